//! A browser's view of the pages without a browser: cookies, GETs and form posts, the sign-in
//! through the form, and small readers of the HTML.

use reqwest::Method;

use crate::common::{Resp, Stack, Who, fresh_password};

/// A browser's cookies for this server: the session and its CSRF token.
#[derive(Clone, Default)]
pub struct Jar {
    pub session: String,
    pub csrf: String,
}

impl Jar {
    fn header(&self) -> String {
        format!(
            "certkeep_session={}; certkeep_csrf={}",
            self.session, self.csrf
        )
    }
}

pub fn cookie(r: &Resp, name: &str) -> Option<String> {
    r.set_cookies().iter().find_map(|c| {
        c.split(';')
            .next()?
            .trim()
            .strip_prefix(&format!("{name}="))
            .map(str::to_string)
    })
}

pub async fn page(s: &Stack, jar: &Jar, path: &str) -> Resp {
    let mut b = s.request(&Who::Anon, Method::GET, path);
    if !jar.session.is_empty() {
        b = b.header("cookie", jar.header());
    }
    s.send(b).await
}

pub async fn form(
    s: &Stack,
    jar: &Jar,
    path: &str,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> Resp {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut b = s
        .request(&Who::Anon, Method::POST, path)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if !jar.session.is_empty() {
        b = b.header("cookie", jar.header());
    }
    if let Some(o) = origin {
        b = b.header("origin", o);
    }
    s.send(b).await
}

pub fn location(r: &Resp) -> String {
    r.header("location")
        .unwrap_or_else(|| panic!("{r:?}: no Location"))
}

/// Signs in through the sign-in form: the jar and where it was sent.
pub async fn sign_in(s: &Stack, user: &str, password: &str) -> (Jar, String) {
    let r = form(
        s,
        &Jar::default(),
        "/login",
        &[
            ("username", user),
            ("password", password),
            ("next", "/certificates"),
        ],
        Some(&s.url),
    )
    .await;
    assert_eq!(r.status, 303, "{}: {r:?}", s.backend);
    let jar = Jar {
        session: cookie(&r, "certkeep_session").expect("session cookie"),
        csrf: cookie(&r, "certkeep_csrf").expect("CSRF cookie"),
    };
    for c in r.set_cookies() {
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
    }
    (jar, location(&r))
}

/// The admin, signed in through the pages with the one-time password changed there.
pub async fn admin(s: &Stack) -> Jar {
    let otp = s
        .engine
        .bootstrap_admin()
        .await
        .expect("bootstrap")
        .expect("first user");
    let (jar, to) = sign_in(s, "admin", &otp).await;
    assert_eq!(to, "/password");
    let new = fresh_password();
    let csrf = jar.csrf.clone();
    let r = form(
        s,
        &jar,
        "/password",
        &[
            ("csrf", &csrf),
            ("current_password", &otp),
            ("new_password", &new),
            ("confirm_password", &new),
        ],
        None,
    )
    .await;
    assert_eq!(
        (r.status, location(&r)),
        (303, "/dashboard".to_string()),
        "{r:?}"
    );
    jar
}

/// The value of the hidden `csrf` field of a page's forms.
pub fn csrf_field(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

pub fn table_rows(html: &str, id: &str) -> usize {
    let t = &html[html.find(&format!("<table id=\"{id}\"")).expect(id)..];
    let body = &t[t.find("<tbody>").unwrap()..t.find("</tbody>").unwrap()];
    body.matches("<tr>").count() - usize::from(body.contains("colspan="))
}

/// Certificate `name` of `vault` in the stack's own emulator (null when absent).
pub async fn emulated_certificate(s: &Stack, vault: &str, name: &str) -> serde_json::Value {
    let state = s.emu.as_ref().expect("a private emulator").state().await;
    state["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["properties"]["name"] == vault)
        .and_then(|v| {
            v["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
        })
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}
