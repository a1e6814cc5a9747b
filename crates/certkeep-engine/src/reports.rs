//! Use cases that cover many vaults or credentials report per item; one failed item does not
//! hide the others. [`check`] turns the reports into the engine's `Partial` error (exit 6) when
//! some failed, after a front end has shown them.

use crate::EngineError;

/// A per-item report with an optional error.
pub trait ItemOutcome {
    /// What the items are, plural: `vaults`, `credentials`, `certificates`.
    const KIND: &'static str;
    /// What the item is, e.g. `prod/kv-prod-web`.
    fn label(&self) -> String;
    /// Why it failed, when it did.
    fn error(&self) -> Option<&str>;
}

/// `Err(Partial)` when any report failed; `Ok` when all succeeded (or there were none).
pub fn check<R: ItemOutcome>(reports: &[R]) -> Result<(), EngineError> {
    let failed: Vec<String> = reports
        .iter()
        .filter_map(|r| r.error().map(|e| format!("{}: {e}", r.label())))
        .collect();
    match failed.first() {
        None => Ok(()),
        Some(first) => Err(EngineError::Partial {
            failed: failed.len(),
            total: reports.len(),
            what: R::KIND,
            first: first.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(&'static str, Option<&'static str>);
    impl ItemOutcome for R {
        const KIND: &'static str = "things";
        fn label(&self) -> String {
            self.0.into()
        }
        fn error(&self) -> Option<&str> {
            self.1
        }
    }

    #[test]
    fn some_failures_make_a_partial_error() {
        assert!(check(&[R("a", None), R("b", None)]).is_ok());
        assert!(check::<R>(&[]).is_ok());
        let e = check(&[R("a", None), R("b", Some("denied")), R("c", Some("x"))]).unwrap_err();
        assert_eq!(e.exit_code(), 6);
        assert_eq!(e.to_string(), "2 of 3 things failed: b: denied");
    }
}
