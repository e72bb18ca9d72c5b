//! `slipgate policy check` and `policy schema`: the policy file alone, no repository
//! read, no session.

use crate::cli::PolicyCommand;
use crate::cli::request::{self, policy_root};
use crate::error::{Error, Result, exit};
use crate::report::notes;
use std::path::Path;

fn stdout(text: &str) -> Result<()> {
    crate::console::print(text).map_err(|source| Error::Io {
        action: "write to",
        path: "standard output".into(),
        source,
    })
}

/// Runs `cmd`; `global` is `--policy`, `repo` is `--repo`.
pub(crate) fn run(cmd: &PolicyCommand, global: Option<&Path>, repo: &Path) -> Result<i32> {
    match cmd {
        PolicyCommand::Schema => {
            let schema =
                serde_json::to_string_pretty(&crate::policy::json_schema()).unwrap_or_default();
            stdout(&format!("{schema}\n"))?;
        }
        PolicyCommand::Check { file } => {
            let file = request::policy_file(file.as_deref(), global)?;
            let loaded = request::load_policy(file, &policy_root(repo))?;
            let n = loaded.rules.len();
            crate::console::eprint_line(&notes::policy_ok(&loaded.source.describe(), n));
            stdout(&format!(
                "# effective policy: {}\n{}",
                loaded.source.describe(),
                crate::policy::to_yaml(&loaded.policy)
            ))?;
        }
    }
    Ok(exit::PASSED)
}
