//! JSON text columns: written with one serializer so equal values store as equal text.
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// Serializes a value for a JSON text column.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("not serializable: {e}")))
}

/// Reads a JSON text column; `what` names it in the error.
pub(crate) fn decode<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
