//! The OpenAPI document: OpenAPI 3.1, documenting exactly the routes of `src/routes.rs`; every
//! documented operation answers the admin (no 404/405); real answers of the JSON endpoints
//! have every property their documented schema requires, with the documented types. With
//! `CERTKEEP_OPENAPI_OUT` set, the document is written there (CI validates it).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::common::Who;
use crate::roles::ROUTES;

/// `/api/v1/users/{id}` → `/api/v1/users/{}`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("external $ref {r}"));
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {r}"));
            resolve(doc, target)
        }
        None => schema,
    }
}

fn type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// Checks `value` against `schema`: required properties present, types as documented,
/// recursively; mismatches are pushed to `errors` with their JSON path.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(doc, s, value, at, errors);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array) {
            let fits = alts.iter().any(|s| {
                let mut e = Vec::new();
                check(doc, s, value, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!(
                    "{at}: {value} fits none of {key} {}",
                    Value::Array(alts.clone())
                ));
            }
        }
    }
    match schema.get("type") {
        Some(Value::String(t)) if !type_matches(value, t) => {
            errors.push(format!("{at}: {value} is not {t}"));
            return;
        }
        Some(Value::Array(ts))
            if !ts
                .iter()
                .any(|t| type_matches(value, t.as_str().unwrap_or(""))) =>
        {
            errors.push(format!("{at}: {value} is none of {ts:?}"));
            return;
        }
        _ => {}
    }
    if let Some(enumeration) = schema.get("enum").and_then(Value::as_array)
        && !enumeration.contains(value)
    {
        errors.push(format!("{at}: {value} not in {enumeration:?}"));
    }
    if let Some(obj) = value.as_object() {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = r.as_str().unwrap_or_default();
            if !obj.contains_key(name) {
                errors.push(format!("{at}: required property '{name}' missing"));
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, s) in props {
                if let Some(v) = obj.get(name) {
                    check(doc, s, v, &format!("{at}.{name}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            check(doc, items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_3_1_and_matches_the_routes_and_the_answers() {
    for s in crate::common::private_stacks("openapi").await {
        // Anyone may read the document.
        let r = s.get(&Who::Anon, "/api/openapi.json").await.expect(200);
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{r:?}"
        );
        let doc = r.json();
        let version = doc["openapi"].as_str().unwrap_or_default();
        assert!(
            version.starts_with("3.1."),
            "{}: openapi {version}",
            s.backend
        );
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        if let Ok(out) = std::env::var("CERTKEEP_OPENAPI_OUT") {
            std::fs::write(&out, serde_json::to_vec_pretty(&doc).unwrap())
                .unwrap_or_else(|e| panic!("writing {out}: {e}"));
        }
        let ops = ["get", "post", "put", "patch", "delete"];

        // Every $ref resolves.
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"").skip(1) {
            let r = piece.split('"').next().unwrap();
            assert!(
                doc.pointer(r.trim_start_matches('#')).is_some(),
                "{}: dangling {r}",
                s.backend
            );
        }

        // The document and src/routes.rs list the same operations.
        let documented: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                ops.iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(move |m| (m.to_ascii_uppercase(), template(path)))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .filter(|r| {
                !r.path.starts_with("/api/openapi.json") && !r.path.starts_with("/api/docs")
            })
            .map(|r| (r.method.to_string(), template(r.path)))
            .collect();
        let undocumented: Vec<_> = routed.difference(&documented).collect();
        let unrouted: Vec<_> = documented.difference(&routed).collect();
        assert!(
            undocumented.is_empty() && unrouted.is_empty(),
            "{}: routes missing from the document: {undocumented:?}; documented but not routed: {unrouted:?}",
            s.backend
        );
        // Every operation documents its answers (an operationId, at least one response).
        for (path, item) in doc["paths"].as_object().unwrap() {
            for m in ops {
                if let Some(op) = item.get(m) {
                    assert!(
                        op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                        "{m} {path}"
                    );
                    assert!(op["operationId"].is_string(), "{m} {path}");
                }
            }
        }

        // Every documented operation answers the admin; JSON answers fit their schema.
        let admin = s.admin().await;
        let estate = crate::estate::build(&s, &admin, 1).await;
        let (token, _) = s.token(&admin, "doc", "admin", 30).await;
        let (_, own) = s.token(&admin, "own", "admin", 30).await;
        let vars = estate.vars(0, "doc", &admin, &admin.password, "s", &own);
        let mut wrong = Vec::new();
        let mut checked = 0;
        for route in ROUTES {
            let path = crate::roles::fill(route.path, &vars);
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            // Tokens cannot make tokens or change passwords: those two go with the session.
            let who = if matches!(route.path, "/api/v1/tokens" | "/api/v1/session/password")
                && route.method == "POST"
            {
                Who::Session(admin.clone())
            } else {
                Who::Token(token.clone())
            };
            let mut b = s.request(&who, method.clone(), &path);
            if let Some((content_type, bytes)) = crate::roles::body(route, &vars) {
                b = b.header("content-type", content_type).body(bytes);
            }
            let r = s.send(b).await;
            let resource_missing = route.path.contains("{missing_request}")
                && r.status == 404
                && r.code() == "not_found"
                && !r.text().contains("no such API endpoint");
            if matches!(r.status, 404 | 405) && !resource_missing {
                wrong.push(format!("{r:?}"));
                continue;
            }
            // The documented schema of this answer, when it is JSON.
            let Some(item) = doc["paths"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(p, _)| template(p) == template(route.path))
                .map(|(_, item)| item)
            else {
                continue;
            };
            let op = &item[route.method.to_ascii_lowercase()];
            let response = &op["responses"][r.status.to_string()];
            let schema = resolve(&doc, response)
                .pointer("/content/application~1json/schema")
                .cloned();
            match schema {
                Some(schema) => {
                    let mut errors = Vec::new();
                    check(&doc, &schema, &r.json(), "$", &mut errors);
                    checked += 1;
                    if !errors.is_empty() {
                        wrong.push(format!(
                            "{} {}: {}\n    {}",
                            route.method,
                            route.path,
                            r.status,
                            errors.join("\n    ")
                        ));
                    }
                }
                None if response.is_null() && (200..300).contains(&r.status) => {
                    wrong.push(format!(
                        "{} {}: status {} is not documented",
                        route.method, route.path, r.status
                    ));
                }
                None => {}
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", s.backend, wrong.join("\n"));
        assert!(
            checked >= 20,
            "{}: only {checked} answers checked",
            s.backend
        );

        // The five named in the brief, explicitly, with populated listings.
        for path in [
            "/api/v1/certificates",
            "/api/v1/credentials",
            "/api/v1/vaults",
            "/api/v1/audit",
            "/api/v1/session",
        ] {
            let r = s.get(&Who::Session(admin.clone()), path).await.expect(200);
            let schema = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"].clone();
            assert!(!schema.is_null(), "{path}: no 200 schema");
            let body = r.json();
            let items = body.get("items").unwrap_or(&body);
            assert!(
                !items.as_array().is_some_and(Vec::is_empty),
                "{path}: empty, nothing checked"
            );
            let mut errors = Vec::new();
            check(&doc, &schema, &body, "$", &mut errors);
            assert!(
                errors.is_empty(),
                "{}: {path}:\n{}",
                s.backend,
                errors.join("\n")
            );
        }
        s.finish().await;
    }
}

#[test]
fn the_schema_check_catches_a_missing_property_and_a_wrong_type() {
    let doc = serde_json::json!({"components": {"schemas": {"A": {"type": "object", "required": ["x", "y"],
        "properties": {"x": {"type": "integer"}, "y": {"type": ["string", "null"]}}}}}});
    let schema = serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/A"}});
    let mut e = Vec::new();
    check(
        &doc,
        &schema,
        &serde_json::json!([{"x": 1, "y": null}, {"x": "1", "y": "s"}, {"x": 2}]),
        "$",
        &mut e,
    );
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("$[1].x") && e[1].contains("'y' missing"),
        "{e:?}"
    );
}
