//! Reading a client secret without it ever being a command-line argument: with
//! `--client-secret-stdin` the first line of stdin; otherwise `CERTKEEP_CLIENT_SECRET`; otherwise
//! a prompt with echo off when stdin is a terminal. The secret goes straight into a
//! `SecretString` (zeroed on drop) and is never printed or logged.

use std::io::{BufRead as _, IsTerminal as _};

use certkeep_azure::secrecy::SecretString;

use crate::error::{CliError, CliResult};

/// Environment variable holding a client secret.
pub(crate) const SECRET_ENV: &str = "CERTKEEP_CLIENT_SECRET";

pub(crate) fn read_client_secret(from_stdin: bool, credential: &str) -> CliResult<SecretString> {
    if from_stdin {
        return read_stdin_line();
    }
    if let Some(value) = std::env::var_os(SECRET_ENV) {
        let value = value.into_string().map_err(|_| {
            CliError::usage(format!("client_secret: {SECRET_ENV} is not valid UTF-8"))
        })?;
        return Ok(SecretString::from(value));
    }
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(format!(
            "Client secret for credential '{credential}' (input hidden): "
        ))
        .map_err(|e| anyhow::anyhow!("reading the client secret from the terminal: {e}"))?;
        return Ok(SecretString::from(value));
    }
    Err(CliError::usage(format!(
        "client_secret: no client secret given: set {SECRET_ENV}, pass --client-secret-stdin and \
         write it to stdin, or run on a terminal to be prompted"
    )))
}

fn read_stdin_line() -> CliResult<SecretString> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| anyhow::anyhow!("reading the client secret from stdin: {e}"))?;
    if n == 0 {
        return Err(CliError::usage(
            "client_secret: stdin is empty (--client-secret-stdin reads the secret from the first line)",
        ));
    }
    while line.ends_with(['\n', '\r']) {
        line.pop();
    }
    Ok(SecretString::from(line))
}
