//! Assets embedded in the binary and served under content-hash names
//! (`/assets/certkeep.3f2a9c01b4de.css`) with a year-long immutable cache: a new build changes
//! the name, never the meaning of an old one. Nothing is fetched from anywhere else.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    /// The name templates ask for.
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "certkeep.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/certkeep.css"),
    },
    Asset {
        name: "certkeep.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/certkeep.js"),
    },
    // htmx 2.0.8, unmodified (licence: assets/htmx-LICENSE.txt, 0BSD).
    Asset {
        name: "htmx.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/htmx-2.0.8.min.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../assets/favicon.svg"),
    },
];

/// Each asset's hashed file name, e.g. `certkeep.3f2a9c01b4de.css`.
static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash = hex::encode(&Sha256::digest(a.body)[..6]);
            match a.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{}.{hash}", a.name),
            }
        })
        .collect()
});

/// The URL of asset `name` (a name from [`ASSETS`]; panics on a typo, which tests catch).
pub fn url(name: &str) -> String {
    let i = ASSETS
        .iter()
        .position(|a| a.name == name)
        .unwrap_or_else(|| panic!("no embedded asset {name}"));
    format!("/assets/{}", HASHED[i])
}

/// `GET /assets/{file}`: only hashed names are served, each cached for a year.
pub async fn serve(Path(file): Path<String>) -> Response {
    let Some(i) = HASHED.iter().position(|h| *h == file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let asset = &ASSETS[i];
    let mut resp = asset.body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_has_a_distinct_hashed_name() {
        let names: std::collections::HashSet<_> = HASHED.iter().collect();
        assert_eq!(names.len(), ASSETS.len());
        let css = url("certkeep.css");
        assert!(css.starts_with("/assets/certkeep.") && css.ends_with(".css"));
        assert_eq!(css.len(), "/assets/certkeep..css".len() + 12);
    }
}
