use super::*;
use std::collections::BTreeMap;

fn roots() -> Roots {
    Roots {
        repo: vec![PathBuf::from("/repo")],
    }
}

fn parse(text: &str) -> Result<Parsed, CoverageError> {
    parse_reader("cov.info", text.as_bytes())
}

fn lines(pairs: &[(u32, u64)]) -> BTreeMap<u32, u64> {
    pairs.iter().copied().collect()
}

/// Summaries that disagree with the line records: the records count.
const LCOV: &str = "TN:\nSF:/repo/src/a.rs\nFN:1,main\nDA:1,5\nDA:2,0\nDA:3,1\nLF:10\nLH:10\n\
BRDA:3,0,0,1\nBRDA:3,0,1,-\nBRDA:3,0,2,0\nBRF:7\nBRH:7\nend_of_record\n\
SF:./src/b.rs\nLF:4\nLH:3\nend_of_record\n";

const COBERTURA: &str = r#"<?xml version="1.0" ?>
<coverage line-rate="1" branch-rate="1" lines-valid="100" lines-covered="100" version="7.6">
  <sources><source>/repo</source></sources>
  <packages><package name="p" line-rate="1"><classes>
    <class name="a" filename="src/a.rs" line-rate="1" branch-rate="1">
      <methods/>
      <lines>
        <line number="2" hits="3"/>
        <line number="4" hits="0" branch="true" condition-coverage="50% (1/2)"/>
      </lines>
    </class>
  </classes></package></packages>
</coverage>
"#;

#[test]
fn lcov_counts_records_not_summaries() {
    let p = parse(LCOV).unwrap();
    let a = &p["/repo/src/a.rs"];
    assert_eq!(a.lines, lines(&[(1, 5), (2, 0), (3, 1)]));
    // BRDA 3: taken 1, `-`, 0 → one of three.
    assert_eq!(a.branches, [(3, (1, 3))].into_iter().collect());
    assert_eq!(a.line_summary, None);
    assert_eq!(a.branch_summary, None);
    // A record without DA lines keeps its LF/LH.
    let b = &p["./src/b.rs"];
    assert!(b.lines.is_empty());
    assert_eq!(b.line_summary, Some((4, 3)));
}

#[test]
fn cobertura_counts_line_elements_not_rates() {
    let p = parse(COBERTURA).unwrap();
    let a = &p["/repo/src/a.rs"];
    assert_eq!(a.lines, lines(&[(2, 3), (4, 0)]));
    assert_eq!(a.branches, [(4, (1, 2))].into_iter().collect());
}

#[test]
fn paths_are_relative_to_the_repository() {
    let r = roots();
    assert_eq!(normalise("/repo/src/a.rs", &r), "src/a.rs");
    assert_eq!(normalise("./src/b.rs", &r), "src/b.rs");
    assert_eq!(normalise("src\\x\\..\\c.rs", &r), "src/c.rs");
    assert_eq!(normalise("/elsewhere/d.rs", &r), "/elsewhere/d.rs");
}

#[test]
fn two_reports_of_one_file_merge_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lcov.info"), LCOV).unwrap();
    std::fs::write(dir.path().join("coverage.xml"), COBERTURA).unwrap();
    let run = collect(
        &["lcov.info".into(), "*.xml".into()],
        dir.path(),
        &roots(),
        Missing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["lcov.info", "coverage.xml"]);
    let a = &run.sources["src/a.rs"];
    // LCOV 1:5 2:0 3:1, Cobertura 2:3 4:0 → line 2 covered by the second report.
    assert_eq!(a.lines, lines(&[(1, 5), (2, 3), (3, 1), (4, 0)]));
    assert_eq!(a.branches, [(3, (1, 3)), (4, (1, 2))].into_iter().collect());
    assert_eq!(run.sources["src/b.rs"].line_summary, Some((4, 3)));
}

fn error_at(text: &str) -> (u64, u64, String) {
    match parse(text) {
        Err(CoverageError::Malformed {
            line,
            column,
            reason,
            ..
        }) => (line, column, reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_lcov_names_line_and_column() {
    let (l, c, r) = error_at("SF:a.rs\nDA:1,1\nDA:x,1\n");
    assert_eq!((l, c), (3, 4), "{r}");
    assert_eq!(r, "the line number `x` is not a whole number");
    let (l, c, _) = error_at("SF:a.rs\n  BRDA:3,0,0,many\n");
    assert_eq!((l, c), (2, 14));
    let (l, c, r) = error_at("TN:\nDA:1,1\n");
    assert_eq!((l, c), (2, 1));
    assert!(r.contains("outside a record"), "{r}");
    let (l, c, _) = error_at("SF:a.rs\nthis is prose\n");
    assert_eq!((l, c), (2, 1));
    let (l, c, _) = error_at("SF:a.rs\nDA:0,1\n");
    assert_eq!((l, c), (2, 4));
    let (l, c, r) = error_at("SF:a.rs\nDA:1\n");
    assert_eq!((l, c), (2, 5));
    assert_eq!(r, "`DA:` lacks its hit count");
}

#[test]
fn malformed_cobertura_names_line_and_column() {
    let doc = "<coverage>\n<packages><package><classes>\n<class filename=\"a.py\"><lines>\n    <line number=\"a\" hits=\"1\"/>\n";
    let (l, c, r) = error_at(doc);
    assert_eq!((l, c), (4, 5), "{r}");
    let (l, c, r) = error_at("<?xml version=\"1.0\"?>\n<testsuites/>\n");
    assert_eq!((l, c), (2, 1));
    assert!(r.contains("`<testsuites>`"), "{r}");
    let (l, c, r) = error_at("<coverage>\n  <sources></source>\n</coverage>\n");
    assert_eq!(l, 2, "{r} {c}");
    let (l, c, r) = error_at(
        "<coverage><packages><package><classes>\n <class filename=\"a\"><lines><line number=\"3\" hits=\"1\" branch=\"true\" condition-coverage=\"half\"/>",
    );
    assert_eq!((l, c), (2, 29), "{r}");
}

/// Real output of coverage.py 7.17.5 (`coverage run --branch -m pytest`, then
/// `coverage xml` and `coverage lcov`) on a two-file project at `/tmp/pyproj`:
/// calc/__init__.py has 12 statements, 6 run (1 2 5 6 7 13); test_calc.py 5 of 5.
/// Branches: line 6 one of two, lines 8 and 14 none of two.
#[test]
fn coverage_py_reports_agree_in_both_formats() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/coverage");
    let r = Roots {
        repo: vec![PathBuf::from("/tmp/pyproj")],
    };
    for file in ["coveragepy.xml", "coveragepy.info"] {
        let run = collect(&[file.to_string()], &dir, &r, Missing::Error).unwrap();
        let calc = &run.sources["calc/__init__.py"];
        let covered: Vec<u32> = calc
            .lines
            .iter()
            .filter(|(_, h)| **h > 0)
            .map(|(l, _)| *l)
            .collect();
        assert_eq!(covered, [1, 2, 5, 6, 7, 13], "{file}");
        assert_eq!(calc.lines.len(), 12, "{file}");
        assert_eq!(run.sources["test_calc.py"].lines.len(), 5, "{file}");
        assert_eq!(
            calc.branches,
            [(6, (1, 2)), (8, (0, 2)), (14, (0, 2))]
                .into_iter()
                .collect(),
            "{file}"
        );
    }
}

/// Hands out at most `step` bytes per read (as the fuzz target does).
struct Chunked<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = rest;
        Ok(n)
    }
}

fn chunked(data: &str, step: usize) -> Result<Parsed, Option<(u64, u64)>> {
    let reader = BufReader::with_capacity(
        step,
        Chunked {
            data: data.as_bytes(),
            step,
        },
    );
    parse_reader("x", reader).map_err(|e| e.location().map(|(_, l, c)| (l, c)))
}

#[test]
fn results_do_not_depend_on_read_sizes() {
    let bad_xml = "<coverage>\n<packages><package><classes>\n<class filename=\"a.py\"><lines>\n    <line number=\"a\" hits=\"1\"/>\n";
    let unclosed = "<coverage>\n  <sources>\n  </source>\n</coverage>\n";
    for doc in [
        LCOV,
        COBERTURA,
        bad_xml,
        unclosed,
        "SF:a\nDA:1,1\nDA:x,1\n",
        "  \n\n<coverage",
    ] {
        let whole = chunked(doc, 1 << 16);
        for step in [1, 2, 7] {
            assert_eq!(whole, chunked(doc, step), "{doc:?} step {step}");
        }
    }
    assert_eq!(chunked(bad_xml, 1), Err(Some((4, 5))));
    assert_eq!(chunked(unclosed, 1), Err(Some((3, 3))));
    // Leading blank lines and indentation are counted before the format is known.
    for step in [1, 3, 1 << 16] {
        assert_eq!(chunked("\n   \n  DA:1,1\n", step), Err(Some((3, 3))));
        assert_eq!(chunked("\n\n   <testsuites/>", step), Err(Some((3, 4))));
    }
}

fn chunked_bytes(data: &[u8], step: usize) -> Result<Parsed, Option<(u64, u64)>> {
    let reader = BufReader::with_capacity(step, Chunked { data, step });
    parse_reader("x", reader).map_err(|e| e.location().map(|(_, l, c)| (l, c)))
}

#[test]
fn a_byte_order_mark_is_skipped_whatever_the_read_size() {
    // Found by the fuzzer: quick-xml removed a BOM only when its first read held all
    // three bytes, so the error position depended on the read size.
    let bad_pi = "\u{feff}<?xml version=\"1.0\" ??\n<coverage><lines><line number=\"x\"/>";
    let lcov = "\u{feff}SF:a.rs\nDA:1,1\nDA:2,0\nend_of_record\n";
    let xml = "\u{feff}\n<coverage><packages><package><classes><class filename=\"a.py\"><lines>\
               <line number=\"1\" hits=\"1\"/></lines></class></classes></package></packages></coverage>\n";
    for doc in [bad_pi, lcov, xml] {
        let whole = chunked(doc, 1 << 16);
        for step in [1, 2, 3, 7] {
            assert_eq!(chunked(doc, step), whole, "step {step}: {doc:?}");
        }
    }
    // A BOM before LCOV text is LCOV (it used to be taken for XML): 1 of 2 lines.
    let parsed = chunked(lcov, 1).expect("lcov");
    assert_eq!(parsed.values().map(|c| c.lines.len()).sum::<usize>(), 2);
    let parsed = chunked(xml, 1).expect("xml");
    assert_eq!(parsed.values().map(|c| c.lines.len()).sum::<usize>(), 1);
    // 0xEF without the rest of the mark: an error at the byte that differs (line 1,
    // column 2), for every read size.
    for step in [1, 2, 64] {
        assert_eq!(chunked_bytes(b"\xEFA\n", step), Err(Some((1, 2))));
        assert_eq!(chunked_bytes(b"  \xEF\xBBx", step), Err(Some((1, 5))));
    }
}
