//! The Admin page over HTTP: an API token made there is shown once, works as a bearer token,
//! is stored only as a hash and stops working when revoked; its role cannot exceed its
//! owner's; users are made with a one-time password (rules shown at the field), their role
//! changed and disabled, each checked by signing in.

use reqwest::Method;

use crate::common::{Who, fresh_password, stacks};
use crate::web_client::{admin, form, page, sign_in};

fn field_value(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} in {html}"));
    let rest = &html[at..];
    let v = &rest[rest.find("value=\"").unwrap() + 7..];
    v.split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn tokens_are_shown_once_and_revoked_and_users_are_managed() {
    for s in stacks("pages_admin").await {
        let jar = admin(&s).await;
        let p = page(&s, &jar, "/admin").await.expect(200).text();
        assert!(p.contains("No API tokens yet.") && p.contains("id=\"users\""));
        assert!(
            p.contains("Discovery of each credential, every</dt><dd>6 h"),
            "the schedule in effect"
        );

        // A bad expiry is shown at its field; nothing made.
        let r = form(
            &s,
            &jar,
            "/admin/tokens",
            &[
                ("csrf", &jar.csrf),
                ("token_name", "ci"),
                ("token_role", "operator"),
                ("expires_in_days", "999"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400, "{r:?}");
        assert!(r.text().contains("id=\"expires_in_days-error\""), "{r:?}");
        let r = form(
            &s,
            &jar,
            "/admin/tokens",
            &[
                ("csrf", &jar.csrf),
                ("token_name", "ci"),
                ("token_role", "operator"),
                ("expires_in_days", "30"),
            ],
            None,
        )
        .await
        .expect(200);
        let token = field_value(&r.text(), "new-token");
        assert!(token.starts_with("ck_"), "{token}");
        // It works, and it is never shown again.
        s.get(&Who::Token(token.clone()), "/api/v1/certificates")
            .await
            .expect(200);
        let again = page(&s, &jar, "/admin").await.expect(200).text();
        assert!(!again.contains(&token) && again.contains(">ci</td>"));
        if let Some(file) = &s.sqlite_file {
            let db = std::fs::read(file).unwrap();
            assert!(
                !db.windows(token.len()).any(|w| w == token.as_bytes()),
                "stored only hashed"
            );
        }
        let at = again.find("action=\"/admin/tokens/").unwrap() + "action=\"/admin/tokens/".len();
        let id = again[at..].split('/').next().unwrap().to_string();
        form(
            &s,
            &jar,
            &format!("/admin/tokens/{id}/revoke"),
            &[("csrf", &jar.csrf)],
            None,
        )
        .await
        .expect(200);
        let r = s.get(&Who::Token(token), "/api/v1/certificates").await;
        assert_eq!(r.status, 401, "a revoked token no longer works");

        // Users: the password rules at the field, then a user who must change it.
        let r = form(
            &s,
            &jar,
            "/admin/users",
            &[
                ("csrf", &jar.csrf),
                ("username", "olga"),
                ("role", "operator"),
                ("password", "short"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400);
        assert!(r.text().contains("id=\"password-error\""), "{r:?}");
        let otp = fresh_password();
        let r = form(
            &s,
            &jar,
            "/admin/users",
            &[
                ("csrf", &jar.csrf),
                ("username", "olga"),
                ("role", "operator"),
                ("password", &otp),
            ],
            None,
        )
        .await
        .expect(200);
        assert!(r.text().contains("User olga (operator) made"), "{r:?}");
        let (olga, to) = sign_in(&s, "olga", &otp).await;
        assert_eq!(to, "/password", "a one-time password");
        // An operator's token cannot be an admin's.
        let new = fresh_password();
        form(
            &s,
            &olga,
            "/password",
            &[
                ("csrf", &olga.csrf),
                ("current_password", &otp),
                ("new_password", &new),
                ("confirm_password", &new),
            ],
            None,
        )
        .await;
        let r = form(
            &s,
            &olga,
            "/admin/tokens",
            &[
                ("csrf", &olga.csrf),
                ("token_name", "up"),
                ("token_role", "admin"),
                ("expires_in_days", "30"),
            ],
            None,
        )
        .await;
        assert!(
            (400..500).contains(&r.status) && !r.text().contains("id=\"new-token\""),
            "{r:?}"
        );
        let olga_page = page(&s, &olga, "/admin").await.expect(200).text();
        assert!(!olga_page.contains("id=\"users\""), "users are the admin's");
        assert_eq!(
            form(
                &s,
                &olga,
                "/admin/users",
                &[
                    ("csrf", &olga.csrf),
                    ("username", "x"),
                    ("role", "admin"),
                    ("password", &fresh_password())
                ],
                None
            )
            .await
            .status,
            403
        );

        // The admin makes olga an auditor, then disables her.
        let users = s
            .send(s.request(&Who::Anon, Method::GET, "/admin").header(
                "cookie",
                format!(
                    "certkeep_session={}; certkeep_csrf={}",
                    jar.session, jar.csrf
                ),
            ))
            .await
            .text();
        let row = &users[users.find("<td>olga</td>").expect("olga's row")..];
        let at = row.find("action=\"/admin/users/").unwrap() + "action=\"/admin/users/".len();
        let uid = row[at..].split('/').next().unwrap().to_string();
        form(
            &s,
            &jar,
            &format!("/admin/users/{uid}/role"),
            &[("csrf", &jar.csrf), ("role", "auditor")],
            None,
        )
        .await
        .expect(200);
        let v = page(&s, &olga, "/vaults").await.expect(200).text();
        assert!(
            !v.contains("action=\"/vaults/sync\""),
            "olga is an auditor now"
        );
        form(
            &s,
            &jar,
            &format!("/admin/users/{uid}/disable"),
            &[("csrf", &jar.csrf)],
            None,
        )
        .await
        .expect(200);
        assert_eq!(
            page(&s, &olga, "/dashboard").await.status,
            303,
            "a disabled user is signed out"
        );
        s.finish().await;
    }
}
