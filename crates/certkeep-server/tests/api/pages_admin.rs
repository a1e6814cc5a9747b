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

#[tokio::test]
async fn the_schedule_is_changed_for_every_instance_and_reset() {
    use certkeep_engine::scheduler::Schedule;
    for s in stacks("pages_schedule").await {
        let configured = Schedule::default();
        let jar = admin(&s).await;
        let p = page(&s, &jar, "/admin").await.expect(200).text();
        assert!(p.contains("id=\"schedule-form\"") && p.contains("value=\"6h\""));
        assert!(
            !p.contains("Reset to the configuration"),
            "nothing to reset"
        );

        // A slot taken under the configured 6 h interval.
        s.store
            .acquire_lease(
                "schedule:discovery:c1",
                "run x",
                certkeep_store::Clock::now(&*s.clock),
                6 * 3600,
            )
            .await
            .unwrap()
            .unwrap();

        // Every bad field is shown at its field; nothing changes.
        let r = form(
            &s,
            &jar,
            "/admin/schedule",
            &[
                ("csrf", &jar.csrf),
                ("discovery_interval", "5s"),
                ("jitter_percent", "lots"),
                ("poll_interval", "2d"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 400, "{r:?}");
        let text = r.text();
        for id in ["discovery_interval", "jitter_percent", "poll_interval"] {
            assert!(text.contains(&format!("id=\"{id}-error\"")), "{id}: {text}");
        }
        assert!(text.contains("value=\"lots\""), "what was typed is kept");
        let unchanged = s.engine.effective_schedule(&configured).await.unwrap();
        assert_eq!(unchanged.discovery_secs, configured.discovery_secs);
        assert!(s.store.find_setting("schedule").await.unwrap().is_none());

        // A good one: stored for every instance, and the slot already taken is shortened.
        let r = form(
            &s,
            &jar,
            "/admin/schedule",
            &[
                ("csrf", &jar.csrf),
                ("discovery_interval", "90m"),
                ("jitter_percent", "20"),
                ("poll_interval", "45s"),
            ],
            None,
        )
        .await
        .expect(200);
        assert!(
            r.text().contains("Schedule saved for every instance"),
            "{r:?}"
        );
        let now = s.engine.effective_schedule(&configured).await.unwrap();
        assert_eq!((now.discovery_secs, now.poll_secs), (5_400, 45));
        assert!((now.jitter - 0.2).abs() < 1e-9);
        let slot = s
            .store
            .find_lease("schedule:discovery:c1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(slot.expires_at - slot.acquired_at, 5_400 + 1_080);
        let audit = s.store.list_audit_events(5).await.unwrap();
        assert_eq!(audit[0].action, "settings.schedule.set");
        let p = page(&s, &jar, "/admin").await.expect(200).text();
        assert!(
            p.contains("Discovery of each credential, every</dt><dd>90 min"),
            "{p}"
        );
        assert!(p.contains("set by user:admin"), "{p}");

        // The API reads the same (the page's session cookie works for its GETs).
        let api = page(&s, &jar, "/api/v1/settings/schedule")
            .await
            .expect(200)
            .json();
        assert_eq!(api["source"], "settings");
        assert_eq!(api["effective"]["discovery_interval"], "90m");
        assert_eq!(api["configured"]["discovery_interval"], "6h");

        // An auditor sees the schedule, no form, and is refused a change.
        let otp = fresh_password();
        form(
            &s,
            &jar,
            "/admin/users",
            &[
                ("csrf", &jar.csrf),
                ("username", "ava"),
                ("role", "auditor"),
                ("password", &otp),
            ],
            None,
        )
        .await
        .expect(200);
        let (ava, _) = sign_in(&s, "ava", &otp).await;
        let new = fresh_password();
        form(
            &s,
            &ava,
            "/password",
            &[
                ("csrf", &ava.csrf),
                ("current_password", &otp),
                ("new_password", &new),
                ("confirm_password", &new),
            ],
            None,
        )
        .await;
        let p = page(&s, &ava, "/admin").await.expect(200).text();
        assert!(p.contains("90 min") && !p.contains("id=\"schedule-form\""));
        let r = form(
            &s,
            &ava,
            "/admin/schedule",
            &[
                ("csrf", &ava.csrf),
                ("discovery_interval", "1h"),
                ("jitter_percent", "0"),
                ("poll_interval", "30s"),
            ],
            None,
        )
        .await;
        assert_eq!(r.status, 403, "{r:?}");
        assert_eq!(
            s.engine
                .effective_schedule(&configured)
                .await
                .unwrap()
                .discovery_secs,
            5_400
        );

        // Reset: back to the configuration.
        let r = form(
            &s,
            &jar,
            "/admin/schedule/reset",
            &[("csrf", &jar.csrf)],
            None,
        )
        .await
        .expect(200);
        assert!(r.text().contains("Schedule reset to the configuration"));
        assert!(s.store.find_setting("schedule").await.unwrap().is_none());
        let back = s.engine.effective_schedule(&configured).await.unwrap();
        assert_eq!(back.discovery_secs, 6 * 3600);
    }
}
