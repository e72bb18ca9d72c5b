//! `check` and `release-check` (to come).

use crate::app::Ctx;
use crate::cli::{CheckArgs, ReleaseCheckArgs};
use crate::error::{Error, Result};

pub fn check(_ctx: &Ctx, _args: &CheckArgs) -> Result<i32> {
    Err(Error::Usage("`slipgate check` is not built yet".into()))
}

pub fn release_check(_ctx: &Ctx, _args: &ReleaseCheckArgs) -> Result<i32> {
    Err(Error::Usage(
        "`slipgate release-check` is not built yet".into(),
    ))
}
