//! The test runner a repository's files suggest, and what it takes to get JUnit XML
//! from it: the files slipgate reads (`tests.paths`) and the workflow's test steps.

/// A test runner slipgate knows how to get JUnit XML from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// Cargo.toml: cargo-nextest with a `ci` profile writing JUnit.
    Nextest,
    /// go.mod: gotestsum.
    Gotestsum,
    /// pom.xml: Maven Surefire's reports.
    Surefire,
    /// pyproject.toml, pytest.ini, setup.cfg: pytest `--junitxml`.
    Pytest,
    /// package.json: jest with jest-junit.
    Jest,
}

/// Each runner, in the order they are preferred, with the file that reveals it.
const SIGNS: &[(&str, Runner)] = &[
    ("Cargo.toml", Runner::Nextest),
    ("go.mod", Runner::Gotestsum),
    ("pom.xml", Runner::Surefire),
    ("pyproject.toml", Runner::Pytest),
    ("pytest.ini", Runner::Pytest),
    ("setup.cfg", Runner::Pytest),
    ("package.json", Runner::Jest),
];

/// The runners whose files are among `entries` (names at the top of the tree), each
/// once with the first file that revealed it, in order of preference.
pub fn detect(entries: &[String]) -> Vec<(Runner, &'static str)> {
    let mut out: Vec<(Runner, &'static str)> = Vec::new();
    for (file, runner) in SIGNS {
        if entries.iter().any(|e| e == file) && !out.iter().any(|(r, _)| r == runner) {
            out.push((*runner, file));
        }
    }
    out
}

impl Runner {
    /// Its name, as the report says it.
    pub fn name(self) -> &'static str {
        match self {
            Runner::Nextest => "cargo-nextest",
            Runner::Gotestsum => "gotestsum",
            Runner::Surefire => "Maven Surefire",
            Runner::Pytest => "pytest",
            Runner::Jest => "jest with jest-junit",
        }
    }

    /// `tests.paths`: where its JUnit XML lands.
    pub fn junit_path(self) -> &'static str {
        match self {
            Runner::Nextest => "target/nextest/ci/junit.xml",
            Runner::Gotestsum => "reports/go-test.xml",
            Runner::Surefire => "target/surefire-reports/*.xml",
            Runner::Pytest => "reports/pytest.xml",
            Runner::Jest => "junit.xml",
        }
    }

    /// The workflow steps that run the tests and write the JUnit XML (indented for a
    /// job's `steps:`).
    pub fn steps(self) -> &'static str {
        match self {
            Runner::Nextest => {
                "      - name: Install cargo-nextest
        run: curl -LsSf https://get.nexte.st/latest/linux | tar zxf - -C \"${CARGO_HOME:-$HOME/.cargo}/bin\"
      - name: Test
        run: cargo nextest run --profile ci --no-fail-fast
"
            }
            Runner::Gotestsum => {
                "      - name: Test
        run: go run gotest.tools/gotestsum@v1.12.0 --junitfile reports/go-test.xml -- ./...
"
            }
            Runner::Surefire => {
                "      - name: Test
        run: mvn --batch-mode --no-transfer-progress verify
"
            }
            Runner::Pytest => {
                "      - name: Test
        run: |
          python -m pip install pytest   # and the project's own dependencies
          python -m pytest --junitxml=reports/pytest.xml
"
            }
            Runner::Jest => {
                "      - name: Test
        run: |
          npm ci
          npx jest --ci --reporters=default --reporters=jest-junit
"
            }
        }
    }

    /// What the repository still needs for the runner to write JUnit XML, if anything.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            Runner::Nextest => Some(
                "add a JUnit profile to `.config/nextest.toml`: `[profile.ci.junit]` with `path = \"junit.xml\"` (nextest then writes target/nextest/ci/junit.xml)",
            ),
            Runner::Jest => Some(
                "add jest-junit to the dev dependencies (`npm install --save-dev jest-junit`); it writes junit.xml",
            ),
            Runner::Pytest => {
                Some("the test step installs pytest only: add the project's dependencies to it")
            }
            Runner::Gotestsum | Runner::Surefire => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(files: &[&str]) -> Vec<String> {
        files.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn each_file_reveals_its_runner() {
        let cases = [
            ("Cargo.toml", Runner::Nextest),
            ("package.json", Runner::Jest),
            ("pom.xml", Runner::Surefire),
            ("pyproject.toml", Runner::Pytest),
            ("pytest.ini", Runner::Pytest),
            ("setup.cfg", Runner::Pytest),
            ("go.mod", Runner::Gotestsum),
        ];
        for (file, runner) in cases {
            assert_eq!(detect(&names(&[file, "README.md"])), vec![(runner, file)]);
        }
        assert!(detect(&names(&["README.md", "src/"])).is_empty());
        // A folder named like a file is not the file.
        assert!(detect(&names(&["Cargo.toml/"])).is_empty());
    }

    #[test]
    fn several_runners_come_in_order_of_preference_each_once() {
        let found = detect(&names(&[
            "package.json",
            "setup.cfg",
            "pyproject.toml",
            "Cargo.toml",
        ]));
        assert_eq!(
            found,
            vec![
                (Runner::Nextest, "Cargo.toml"),
                (Runner::Pytest, "pyproject.toml"),
                (Runner::Jest, "package.json")
            ]
        );
    }
}
