//! `slipgate org --from postgres://…`: the cross-repository table.

use crate::cli::{OrgArgs, request::Session};
use crate::error::{Error, Result, exit};
use crate::metrics::org;

pub(super) fn org_command(s: &Session, a: &OrgArgs) -> Result<i32> {
    let t = crate::cli::request::org_source(&a.from, &s.env)?;
    let names: Vec<String> = org::trend_metrics().iter().map(|m| m.to_string()).collect();
    let known = crate::publish::postgres::SCHEMA_VERSION;
    let rows = crate::collect::warehouse::read(&t, known, &names)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let style = crate::report::text::Style { color: s.color };
    let out = crate::report::org::render(&org::lines(rows), a.format, style);
    crate::publish::check::stdout(&out)?;
    Ok(exit::PASSED)
}
