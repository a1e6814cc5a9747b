//! How long a certificate may be valid, by issuer, and when its lifetime action may fire.
//!
//! * `Self`, `Unknown` and private CAs: 1 to 1200 months (Key Vault's limit, which the emulator
//!   enforces too).
//! * Public CAs integrated with Key Vault (DigiCert, GlobalSign, and any provider we do not
//!   know, to be safe): the CA/Browser Forum maximum TLS lifetime in force. Ballot SC-081 cut
//!   it to 200 days from 2026-03-15, 100 days from 2027-03-15 and 47 days from 2029-03-15
//!   (398 before). A validity of `m` months is allowed when `m × 31 ≤ max days`, since any `m`
//!   calendar months last at most `31 m` days: 6 months today.
//! * `days_before_expiry` is 1 to `27 × validity_months` (Key Vault's bound), which also keeps
//!   it below the validity in days.

use time::{Date, Month};

use super::FieldError;

/// Key Vault's maximum `validity_months`.
pub const MAX_VALIDITY_MONTHS: u32 = 1200;

/// The date the defaults of this module are pinned to when the caller gives none.
pub const REFERENCE_DATE: Date = match Date::from_calendar_date(2026, Month::December, 2) {
    Ok(d) => d,
    Err(_) => panic!("valid date"),
};

/// Which validity rule an issuer falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerClass {
    /// `Self`, `Unknown` or a private CA: up to 1200 months.
    Private,
    /// A public TLS CA bound by the CA/Browser Forum's Baseline Requirements.
    PublicTls,
}

/// Classifies an issuer by its provider name. `Self`, `Unknown` and an empty provider (the
/// built-in issuers have none) are private, as is `OneCertV2-PrivateCA`; `DigiCert`,
/// `GlobalSign`, `OneCertV2-PublicCA` and any other provider are treated as public TLS CAs.
pub fn issuer_class(issuer_provider: &str) -> IssuerClass {
    let p = issuer_provider.trim().to_ascii_lowercase();
    match p.as_str() {
        "" | "self" | "unknown" | "onecertv2-privateca" => IssuerClass::Private,
        _ => IssuerClass::PublicTls,
    }
}

/// The CA/Browser Forum maximum TLS certificate lifetime in days on `date` (ballot SC-081).
pub fn public_tls_max_days(date: Date) -> u32 {
    let on = |y, m, d| Date::from_calendar_date(y, m, d).unwrap_or(REFERENCE_DATE);
    if date >= on(2029, Month::March, 15) {
        47
    } else if date >= on(2027, Month::March, 15) {
        100
    } else if date >= on(2026, Month::March, 15) {
        200
    } else {
        398
    }
}

/// The longest validity in months an issuer of this class accepts on `date`.
pub fn max_validity_months(class: IssuerClass, date: Date) -> u32 {
    match class {
        IssuerClass::Private => MAX_VALIDITY_MONTHS,
        IssuerClass::PublicTls => (public_tls_max_days(date) / 31).max(1),
    }
}

/// Checks a validity against the issuer's limit; `field` is the form field to blame.
pub fn check_validity(
    months: u32,
    issuer_provider: &str,
    date: Date,
    field: &'static str,
) -> Result<u32, FieldError> {
    let class = issuer_class(issuer_provider);
    let max = max_validity_months(class, date);
    if months == 0 {
        return Err(FieldError::new(
            field,
            "the validity must be at least 1 month",
        ));
    }
    if months > max {
        let why = match class {
            IssuerClass::Private => format!("Key Vault allows at most {max} months"),
            IssuerClass::PublicTls => format!(
                "public TLS certificates may be valid for at most {} days since the CA/Browser Forum's ballot SC-081, so at most {max} months",
                public_tls_max_days(date)
            ),
        };
        return Err(FieldError::new(
            field,
            format!("{months} months is too long: {why}"),
        ));
    }
    Ok(months)
}

/// The validity of a renewal: the same rules as a new request, on the reference date
/// (2026-12-02). `issuer_provider` is the issuer's provider (`DigiCert`, `GlobalSign`, …) or
/// `Self` / `Unknown` / empty for the built-in issuers. The error names `validity_months`.
pub fn renewal_policy_validity(months: u32, issuer_provider: &str) -> Result<u32, FieldError> {
    check_validity(months, issuer_provider, REFERENCE_DATE, "validity_months")
}

/// As `renewal_policy_validity`, with the rules in force on `date`.
pub fn renewal_policy_validity_on(
    months: u32,
    issuer_provider: &str,
    date: Date,
) -> Result<u32, FieldError> {
    check_validity(months, issuer_provider, date, "validity_months")
}

/// The largest `days_before_expiry` Key Vault accepts for a validity (`27 × months`).
pub fn max_days_before_expiry(validity_months: u32) -> u32 {
    validity_months.saturating_mul(27)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_issuers_allow_1200_months() {
        assert_eq!(renewal_policy_validity(1200, "Self"), Ok(1200));
        assert_eq!(renewal_policy_validity(1200, ""), Ok(1200));
        assert_eq!(renewal_policy_validity(24, "OneCertV2-PrivateCA"), Ok(24));
        let e = renewal_policy_validity(1201, "Unknown").unwrap_err();
        assert_eq!(e.field, "validity_months");
        assert!(renewal_policy_validity(0, "Self").is_err());
    }

    #[test]
    fn public_cas_follow_sc_081() {
        assert_eq!(renewal_policy_validity(6, "DigiCert"), Ok(6));
        let e = renewal_policy_validity(7, "GlobalSign").unwrap_err();
        assert_eq!(e.field, "validity_months");
        assert!(e.reason.contains("200 days"), "{}", e.reason);
        assert!(renewal_policy_validity(7, "SomeNewCA").is_err());
        let d = |y, m, day| Date::from_calendar_date(y, m, day).unwrap();
        assert_eq!(public_tls_max_days(d(2026, Month::March, 14)), 398);
        assert_eq!(public_tls_max_days(d(2027, Month::March, 15)), 100);
        assert_eq!(public_tls_max_days(d(2029, Month::March, 15)), 47);
        assert_eq!(
            renewal_policy_validity_on(12, "DigiCert", d(2026, Month::January, 1)),
            Ok(12)
        );
        assert!(renewal_policy_validity_on(4, "DigiCert", d(2027, Month::June, 1)).is_err());
        assert_eq!(
            renewal_policy_validity_on(1, "DigiCert", d(2030, Month::June, 1)),
            Ok(1)
        );
        assert_eq!(max_days_before_expiry(12), 324);
    }
}
