//! `certkeep user reset-password`: recovery from the host, with access to the database, for
//! when no admin can sign in to the server.

use certkeep_engine::Actor;

use super::out;
use crate::cli::UserCmd;
use crate::context::Context;
use crate::error::CliResult;

pub(super) async fn run(ctx: &Context, cmd: UserCmd) -> CliResult {
    match cmd {
        UserCmd::ResetPassword { username } => {
            let engine = ctx.open().await?;
            let password = engine.recover_user(&Actor::cli(), &username).await?;
            eprintln!(
                "'{}' has a new one-time password (shown once; it must be changed at the next sign-in):",
                username.trim().to_ascii_lowercase()
            );
            out(&format!("{password}\n"))
        }
    }
}
