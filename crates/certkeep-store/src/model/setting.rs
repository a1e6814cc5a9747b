//! Settings changed at run time (from Admin or the API), shared by every instance.

/// One setting: its JSON value and who set it when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// For example `schedule`.
    pub key: String,
    /// JSON text.
    pub value: String,
    /// Unix seconds.
    pub updated_at: i64,
    /// The audit name of who set it.
    pub updated_by: String,
}
