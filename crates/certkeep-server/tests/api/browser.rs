//! The pages in a real browser: Debian's Chromium, headless, driven over the DevTools protocol
//! (chromiumoxide), against the server and the emulator in-process. Each screen is checked with
//! axe-core (no serious or critical violation) and saved as a screenshot under
//! `target/screenshots/`.
//!
//! Ignored by a plain `cargo test` (a machine may have no Chromium); `.ci/run` installs
//! Chromium and axe-core and runs them:
//! `cargo test -p certkeep-server --test api -- --ignored browser::`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;

use crate::common::{Stack, fresh_password, stacks};
use crate::pages::emulator_current_versions;

fn workspace_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn chromium() -> PathBuf {
    let path = std::env::var_os("CERTKEEP_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "{} not found: install Chromium (apt-get install -y chromium) or set CERTKEEP_CHROMIUM",
        path.display()
    );
    path
}

fn axe_source() -> String {
    let path = std::env::var_os("CERTKEEP_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_target().join("axe/node_modules/axe-core/axe.min.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}: install axe-core (npm install --prefix target/axe axe-core) or set CERTKEEP_AXE_JS",
            path.display()
        )
    })
}

/// A headless Chromium with its event loop running.
struct Chrome {
    browser: Browser,
    events: tokio::task::JoinHandle<()>,
    axe: String,
    shots: PathBuf,
}

impl Chrome {
    async fn launch(test: &str) -> Self {
        let profile = crate::common::test_root().join(format!("{test}-chromium"));
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox()
            .new_headless_mode()
            .user_data_dir(&profile)
            .window_size(1366, 900)
            .viewport(None)
            .arg("--disable-gpu")
            .arg("--disable-dev-shm-usage")
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
        // Events the library does not know (newer Chromium) are not fatal.
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let shots = workspace_target().join("screenshots");
        std::fs::create_dir_all(&shots).expect("screenshot dir");
        Self {
            browser,
            events,
            axe: axe_source(),
            shots,
        }
    }

    async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.events.abort();
    }
}

async fn try_eval<T: serde::de::DeserializeOwned>(page: &Page, js: &str) -> Result<T, String> {
    let params = EvaluateParams::builder()
        .expression(js)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .expect("evaluate params");
    let short = &js[..js.len().min(80)];
    page.evaluate(params)
        .await
        .map_err(|e| format!("evaluating {short}: {e}"))?
        .into_value()
        .map_err(|e| format!("the value of {short}: {e}"))
}

async fn eval<T: serde::de::DeserializeOwned>(page: &Page, js: &str) -> T {
    // A page between two documents has no context for a moment: that is retried.
    let mut last = String::new();
    for _ in 0..100 {
        match try_eval(page, js).await {
            Ok(v) => return v,
            Err(e) if e.contains("context") => {
                last = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("{last}")
}

/// Waits until the page is at a URL containing `part` and loaded.
async fn arrive(page: &Page, part: &str) {
    let start = Instant::now();
    loop {
        let url = page.url().await.ok().flatten().unwrap_or_default();
        // While a page loads its context may be gone: that is "not yet".
        if url.contains(part)
            && try_eval::<String>(page, "document.readyState")
                .await
                .as_deref()
                == Ok("complete")
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never reached {part}: at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until an element matching `selector` is on the page.
async fn appear(page: &Page, selector: &str) {
    let start = Instant::now();
    let js = format!("document.querySelector({selector:?}) !== null");
    while try_eval::<bool>(page, &js).await != Ok(true) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{selector} never appeared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn fill(page: &Page, selector: &str, text: &str) {
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .expect("focus")
        .type_str(text)
        .await
        .expect("type");
}

async fn click(page: &Page, selector: &str) {
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

async fn count(page: &Page, selector: &str) -> usize {
    eval(
        page,
        &format!("document.querySelectorAll({selector:?}).length"),
    )
    .await
}

impl Chrome {
    /// axe-core on the page: no serious or critical violation. Then a full-page screenshot.
    async fn check(&self, page: &Page, name: &str) {
        let loaded: bool = eval(page, &format!("{};\ntypeof axe === 'object'", self.axe)).await;
        assert!(loaded, "axe-core loads");
        let violations: Vec<String> = eval(
            page,
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
        )
        .await;
        assert!(violations.is_empty(), "{name}: axe-core: {violations:#?}");
        page.save_screenshot(
            ScreenshotParams::builder().full_page(true).build(),
            self.shots.join(format!("{name}.png")),
        )
        .await
        .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
    }
}

async fn signed_in_admin(s: &Stack, chrome: &Chrome) -> Page {
    let otp = s.engine.bootstrap_admin().await.unwrap().unwrap();
    let page = chrome
        .browser
        .new_page(format!("{}/dashboard", s.url))
        .await
        .expect("a tab");
    arrive(&page, "/login?next=%2Fdashboard").await;
    chrome.check(&page, "login").await;
    fill(&page, "#username", "admin").await;
    fill(&page, "#password", &otp).await;
    click(&page, "main button[type=submit]").await;
    arrive(&page, "/password").await;
    chrome.check(&page, "password-forced").await;
    let new = fresh_password();
    fill(&page, "#current_password", &otp).await;
    fill(&page, "#new_password", &new).await;
    fill(&page, "#confirm_password", "not the same").await;
    click(&page, "main button[type=submit]").await;
    appear(&page, "#confirm_password-error").await;
    let shown: String = eval(
        &page,
        "document.getElementById('confirm_password-error').textContent",
    )
    .await;
    assert_eq!(
        shown, "does not match the new password",
        "the error is next to its field"
    );
    fill(&page, "#current_password", &otp).await;
    fill(&page, "#new_password", &new).await;
    fill(&page, "#confirm_password", &new).await;
    click(&page, "main button[type=submit]").await;
    arrive(&page, "/dashboard").await;
    page
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_sign_in_dashboard_filters_and_detail() {
    for s in stacks("browser_screens").await {
        s.demo_estate().await;
        let chrome = Chrome::launch(&format!("browser_screens_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        let now = s.clock.get();
        let certs = emulator_current_versions().await;
        let expired = certs.iter().filter(|c| c.2 <= now).count();

        // The dashboard: counts, the timeline drawn, no script errors.
        let shown: String = eval(
            &page,
            "document.querySelector('#certificate-counts .expired .n').textContent",
        )
        .await;
        assert_eq!(shown, expired.to_string());
        assert!(
            count(&page, "#timeline rect").await > 0,
            "the timeline has bars"
        );
        chrome.check(&page, "dashboard").await;

        // A count links to its listing.
        click(&page, "#certificate-counts a.expired").await;
        arrive(&page, "/certificates?state=expired").await;
        assert_eq!(count(&page, "#certificates tbody tr").await, expired);

        // The listing: a facet, then a search typed in the box, both kept in the URL.
        page.goto(format!("{}/certificates", s.url))
            .await
            .expect("go");
        arrive(&page, "/certificates").await;
        chrome.check(&page, "certificates").await;
        click(&page, "aside a[href*='vault=kv-prod-web']").await;
        arrive(&page, "vault=kv-prod-web").await;
        let in_vault = certs.iter().filter(|c| c.0 == "kv-prod-web").count();
        assert_eq!(count(&page, "#certificates tbody tr").await, in_vault);
        fill(&page, "#search", "intranet").await;
        page.find_element("#search")
            .await
            .unwrap()
            .press_key("Enter")
            .await
            .unwrap();
        arrive(&page, "search=intranet").await;
        let url = page.url().await.unwrap().unwrap();
        assert!(
            url.contains("vault=kv-prod-web"),
            "the facet is kept: {url}"
        );
        let names: Vec<String> = eval(&page, "[...document.querySelectorAll('#certificates tbody tr td.name a')].map(a => a.textContent)").await;
        let want = certs
            .iter()
            .filter(|c| c.0 == "kv-prod-web" && c.1.contains("intranet"))
            .count();
        assert_eq!(names.len(), want, "{names:?}");
        assert!(names.iter().all(|n| n.contains("intranet")), "{names:?}");

        // A certificate's page.
        click(&page, "#certificates tbody tr td.name a").await;
        arrive(&page, "/certificates/prod/kv-prod-web/").await;
        assert!(count(&page, "#versions tbody tr").await >= 1);
        assert!(count(&page, "#version-timeline rect").await >= 1);
        chrome.check(&page, "certificate").await;

        // Phone width: the read-only screens do not scroll sideways.
        for (path, name) in [
            ("/dashboard", "dashboard-phone"),
            ("/certificates", "certificates-phone"),
        ] {
            // Set for each page: a full-page screenshot resets the device metrics.
            page.execute(SetDeviceMetricsOverrideParams::new(390, 844, 1.0, true))
                .await
                .expect("phone viewport");
            page.goto(format!("{}{path}", s.url)).await.expect("go");
            arrive(&page, path).await;
            let (inner, scroll): (u32, u32) = eval(
                &page,
                "[window.innerWidth, document.documentElement.scrollWidth]",
            )
            .await;
            assert_eq!(inner, 390, "the phone viewport is in effect");
            assert!(
                scroll <= inner + 1,
                "{path} is {scroll} px wide on a {inner} px phone"
            );
            chrome.check(&page, name).await;
        }

        // A form whose token was tampered with is refused, and nothing happens.
        page.goto(format!("{}/vaults", s.url)).await.expect("go");
        arrive(&page, "/vaults").await;
        let synced_before = s
            .engine
            .list_audit(&Default::default())
            .await
            .unwrap()
            .total;
        let _: String = eval(&page, "document.querySelector('form[action=\"/vaults/sync\"] input[name=csrf]').value = 'forged'").await;
        click(&page, "form[action='/vaults/sync'] button").await;
        arrive(&page, "/vaults/sync").await;
        let refused: String = eval(&page, "document.querySelector('main h1').textContent").await;
        assert_eq!(refused, "403 Forbidden");
        assert_eq!(
            s.engine
                .list_audit(&Default::default())
                .await
                .unwrap()
                .total,
            synced_before,
            "no sync ran"
        );

        // Sign out (from a page with the header's form): back to the sign-in page, and the
        // session is gone.
        page.goto(format!("{}/dashboard", s.url)).await.expect("go");
        arrive(&page, "/dashboard").await;
        click(&page, "header form button").await;
        arrive(&page, "/login").await;
        page.goto(format!("{}/dashboard", s.url)).await.expect("go");
        arrive(&page, "/login?next=").await;
        chrome.close().await;
        s.finish().await;
    }
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_manage_adds_a_credential_with_errors_next_to_the_fields() {
    use crate::common::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT};
    for s in stacks("browser_manage").await {
        let chrome = Chrome::launch(&format!("browser_manage_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        page.goto(format!("{}/credentials", s.url))
            .await
            .expect("go");
        arrive(&page, "/credentials").await;
        fill(&page, "#name", "bad name!").await;
        let _: String = eval(&page, "document.getElementById('cloud').value = 'emulator'").await;
        fill(&page, "#subscription_id", DEMO_SUBSCRIPTIONS[0]).await;
        fill(&page, "#tenant_id", "not-a-guid").await;
        fill(&page, "#client_id", DEMO_CLIENT_ID).await;
        fill(&page, "#client_secret", DEMO_CLIENT_SECRET).await;
        click(&page, "#add-credential button[type=submit]").await;
        appear(&page, "#tenant_id-error").await;
        let errors: Vec<String> = eval(
            &page,
            "[...document.querySelectorAll('#add-credential .error')].map(e => e.id)",
        )
        .await;
        assert_eq!(
            errors,
            ["name-error", "tenant_id-error"],
            "each bad field, and only those"
        );
        let typed: String = eval(&page, "document.getElementById('tenant_id').value").await;
        assert_eq!(typed, "not-a-guid", "what was typed is kept");
        let key: String = eval(&page, "document.getElementById('client_secret').value").await;
        assert_eq!(key, "", "the key is not sent back");
        chrome.check(&page, "credentials-errors").await;
        assert!(s.engine.list_credentials().await.unwrap().is_empty());

        let _: String = eval(&page, "document.getElementById('name').value = ''; document.getElementById('tenant_id').value = ''").await;
        fill(&page, "#name", "prod").await;
        fill(&page, "#tenant_id", DEMO_TENANT).await;
        fill(&page, "#client_secret", DEMO_CLIENT_SECRET).await;
        click(&page, "#add-credential button[type=submit]").await;
        appear(&page, "#notice").await;
        let notice: String = eval(&page, "document.getElementById('notice').textContent").await;
        assert!(
            notice.starts_with("Added credential prod: 3 vaults imported"),
            "{notice}"
        );
        assert_eq!(s.engine.list_credentials().await.unwrap().len(), 1);
        chrome.check(&page, "credentials").await;

        for (path, name) in [("/vaults", "vaults"), ("/issuers", "issuers")] {
            page.goto(format!("{}{path}", s.url)).await.expect("go");
            arrive(&page, path).await;
            chrome.check(&page, name).await;
        }
        assert_eq!(
            count(&page, "#issuers tbody tr").await,
            1,
            "no issuers before a sync"
        );
        click(&page, "form[action='/issuers/sync'] button").await;
        appear(&page, "#notice").await;
        chrome.close().await;
        s.finish().await;
    }
}

/// The stack's own emulator's admin API.
async fn emulator_admin(s: &Stack, method: reqwest::Method, path: &str) -> serde_json::Value {
    let emu = s.emu.as_ref().expect("a private emulator");
    let http = certkeep_azure::transport::http_client(&emu.cloud).expect("client");
    let r = http
        .request(
            method,
            format!("https://127.0.0.1:{}/_emulator/{path}", emu.port),
        )
        .send()
        .await
        .expect("emulator admin");
    assert!(r.status().is_success(), "{path}: {r:?}");
    r.json().await.unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_renew_with_refusals_and_delete_leaving_azure_untouched() {
    // Self issuances take 3 s, so the job page is seen running and then finished.
    for s in crate::common::quick_stacks("browser_bulk", 3.0).await {
        s.demo_estate().await;
        let chrome = Chrome::launch(&format!("browser_bulk_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        // One Self and one Unknown certificate of one vault.
        page.goto(format!(
            "{}/certificates?vault=kv-prod-web&credential=prod&sort=name",
            s.url
        ))
        .await
        .expect("go");
        arrive(&page, "vault=kv-prod-web").await;
        let pick = |issuer: &str| {
            format!(
                "[...document.querySelectorAll('#certificates tbody tr')].find(r => r.children[4].textContent.trim() === '{issuer}').querySelector('input[name=id]').value"
            )
        };
        let self_id: String = eval(&page, &pick("Self")).await;
        let unknown_id: String = eval(&page, &pick("Unknown")).await;
        for id in [&self_id, &unknown_id] {
            click(&page, &format!("input[name=id][value='{id}']")).await;
        }
        click(&page, "button[name=action][value=renew]").await;
        arrive(&page, "/certificates/bulk").await;
        appear(&page, "#confirm").await;
        let title: String = eval(&page, "document.querySelector('h1').textContent").await;
        assert_eq!(title, "Renew 2 certificates?");
        chrome.check(&page, "renew-confirm").await;
        let _: String = eval(
            &page,
            "document.getElementById('validity_months').value = ''",
        )
        .await;
        fill(&page, "#validity_months", "6").await;
        click(&page, "#confirm button[type=submit]").await;
        arrive(&page, "/jobs/").await;
        // The progress follows the job without a reload, to its end.
        let start = Instant::now();
        loop {
            let status: String = eval(
                &page,
                "document.getElementById('job-progress').dataset.status",
            )
            .await;
            if !matches!(status.as_str(), "queued" | "running") {
                assert_eq!(status, "partial", "one renewed, one refused");
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the job never finished"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let rows: Vec<Vec<String>> = eval(&page, "[...document.querySelectorAll('#job-items tbody tr')].map(r => [...r.children].map(c => c.textContent))").await;
        let unknown_name = unknown_id.rsplit('/').next().unwrap();
        let refused = rows
            .iter()
            .find(|r| r[0].ends_with(unknown_name))
            .expect("the Unknown row");
        assert_eq!(refused[1], "refused");
        assert!(refused[2].contains("cannot renew"), "{refused:?}");
        let renewed = rows
            .iter()
            .find(|r| !r[0].ends_with(unknown_name))
            .expect("the Self row");
        assert_eq!(renewed[1], "completed", "{renewed:?}");
        chrome.check(&page, "renew-job").await;

        // Delete both from Certkeep: no request reaches Key Vault.
        page.goto(format!(
            "{}/certificates?vault=kv-prod-web&credential=prod",
            s.url
        ))
        .await
        .expect("go");
        arrive(&page, "vault=kv-prod-web").await;
        for id in [&self_id, &unknown_id] {
            click(&page, &format!("input[name=id][value='{id}']")).await;
        }
        click(&page, "button[name=action][value=delete]").await;
        appear(&page, "#confirm").await;
        let text: String = eval(&page, "document.querySelector('main').textContent").await;
        assert!(
            text.contains("Delete 2 certificates from Certkeep?")
                && text.contains("Azure is untouched")
        );
        chrome.check(&page, "delete-confirm").await;
        emulator_admin(&s, reqwest::Method::DELETE, "counters").await;
        click(&page, "#confirm button[type=submit]").await;
        appear(&page, "#deleted").await;
        let counters = emulator_admin(&s, reqwest::Method::GET, "counters").await;
        assert_eq!(counters["total"], 0, "Key Vault was not called: {counters}");
        page.goto(format!(
            "{}/certificates?vault=kv-prod-web&credential=prod",
            s.url
        ))
        .await
        .expect("go");
        arrive(&page, "vault=kv-prod-web").await;
        for id in [&self_id, &unknown_id] {
            assert_eq!(
                count(&page, &format!("input[name=id][value='{id}']")).await,
                0,
                "{id} is gone"
            );
        }
        chrome.close().await;
        s.finish().await;
    }
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_request_with_advanced_options_to_obtain_certificate() {
    for s in crate::common::quick_stacks("browser_request", 1.0).await {
        s.add_demo_credential("prod").await;
        let chrome = Chrome::launch(&format!("browser_request_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        page.goto(format!("{}/requests", s.url)).await.expect("go");
        arrive(&page, "/requests").await;
        click(&page, "a[href='/requests/new']").await;
        arrive(&page, "/requests/new").await;
        let _: String = eval(
            &page,
            "document.getElementById('vault').value = 'prod/kv-prod-web'",
        )
        .await;
        fill(&page, "#name", "browser-req").await;
        fill(&page, "#common_name", "browser.contoso.com").await;
        fill(&page, "#country", "Nederland").await;
        click(&page, "#advanced summary").await;
        click(&page, "input[name=key_usage][value=digitalSignature]").await;
        click(&page, "input[name=ku_critical]").await;
        click(&page, "input[name=eku][value='1.3.6.1.5.5.7.3.1']").await;
        click(&page, "input[name=eku_critical]").await;
        chrome.check(&page, "request-form").await;
        click(&page, "#request-form button[type=submit]").await;
        appear(&page, "#country-error").await;
        let kept: bool = eval(&page, "document.querySelector('input[name=ku_critical]').checked && document.querySelector('input[name=eku][value=\"1.3.6.1.5.5.7.3.1\"]').checked").await;
        assert!(kept, "the advanced options survive an error");
        let _: String = eval(&page, "document.getElementById('country').value = ''").await;
        fill(&page, "#country", "NL").await;
        click(&page, "#request-form button[type=submit]").await;
        appear(&page, "#notice").await;
        let notice: String = eval(&page, "document.getElementById('notice').textContent").await;
        assert!(
            notice.starts_with("Requested browser-req in kv-prod-web"),
            "{notice}"
        );
        chrome.check(&page, "request-status").await;
        // Key Vault issues it within a second; Obtain Certificate reads it.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        click(&page, "form[action='/requests/obtain'] button:not([name])").await;
        appear(&page, "#notice").await;
        let start = Instant::now();
        loop {
            let notice: String = eval(&page, "document.getElementById('notice').textContent").await;
            if notice.starts_with("Obtained browser-req") {
                assert!(notice.contains("1 new"), "{notice}");
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{notice}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        page.goto(format!(
            "{}/certificates/prod/kv-prod-web/browser-req",
            s.url
        ))
        .await
        .expect("go");
        arrive(&page, "/browser-req").await;
        let fields: String = eval(&page, "document.getElementById('fields').textContent").await;
        assert!(fields.contains("digitalSignature"), "{fields}");
        chrome.close().await;
        s.finish().await;
    }
}

/// Puts `path` in the file input `selector`, as a user choosing a file would.
async fn choose_file(page: &Page, selector: &str, path: &std::path::Path) {
    use chromiumoxide::cdp::browser_protocol::dom::SetFileInputFilesParams;
    let input = page.find_element(selector).await.expect("file input");
    let params = SetFileInputFilesParams::builder()
        .file(path.display().to_string())
        .backend_node_id(input.backend_node_id)
        .build()
        .expect("params");
    page.execute(params).await.expect("file chosen");
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_create_secret_from_a_pfx_then_update_and_rediscover() {
    for s in crate::common::private_stacks("browser_secrets").await {
        s.demo_estate().await;
        let chrome = Chrome::launch(&format!("browser_secrets_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        let password = "Pfx-Password-For-The-Browser-7";
        let pfx = crate::estate::upload("browser-upload.contoso.com").pfx(password);
        let file = crate::common::test_root().join(format!("browser-{}.pfx", s.backend));
        std::fs::write(&file, &pfx).expect("PFX file");

        page.goto(format!("{}/secrets", s.url)).await.expect("go");
        arrive(&page, "/secrets").await;
        chrome.check(&page, "secrets").await;
        click(&page, "a[href='/secrets/new']").await;
        arrive(&page, "/secrets/new").await;
        let _: String = eval(
            &page,
            "document.getElementById('vault').value = 'prod/kv-prod-web'",
        )
        .await;
        fill(&page, "#name", "browser-upload").await;
        choose_file(&page, "#file", &file).await;
        fill(&page, "#password", "not-the-password").await;
        click(&page, "#secret-form button[type=submit]").await;
        appear(&page, "#password-error").await;
        chrome.check(&page, "secret-create-error").await;
        let html: String = eval(&page, "document.documentElement.outerHTML").await;
        assert!(
            !html.contains("not-the-password"),
            "the password is never sent back"
        );
        choose_file(&page, "#file", &file).await;
        fill(&page, "#password", password).await;
        click(&page, "#secret-form button[type=submit]").await;
        appear(&page, "#notice").await;
        let notice: String = eval(&page, "document.getElementById('notice').textContent").await;
        assert!(
            notice.starts_with("Created secret browser-upload in kv-prod-web"),
            "{notice}"
        );
        let state = s.emu.as_ref().unwrap().state().await;
        let in_kv = state["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["properties"]["name"] == "kv-prod-web")
            .unwrap()["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == "browser-upload");
        assert!(in_kv, "the secret is in Key Vault");

        // Update Secret: disable it, with a new expiry date.
        page.goto(format!(
            "{}/secrets/prod/kv-prod-web/browser-upload/edit",
            s.url
        ))
        .await
        .expect("go");
        arrive(&page, "/edit").await;
        chrome.check(&page, "secret-update").await;
        let _: String = eval(&page, "document.getElementById('expiration').value = ''").await;
        fill(&page, "#expiration", "2027-01-15").await;
        click(&page, "input[name=enabled]").await;
        click(&page, "#secret-form button[type=submit]").await;
        appear(&page, "#notice").await;
        let state = s.emu.as_ref().unwrap().state().await;
        let secret = state["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["properties"]["name"] == "kv-prod-web")
            .unwrap()["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == "browser-upload")
            .cloned()
            .unwrap();
        let current = secret["versions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(current["enabled"], false, "{current}");
        assert_eq!(
            current["exp"].as_i64(),
            Some(1_799_971_200),
            "2027-01-15T00:00:00Z: {current}"
        );

        // Rediscover reads it back from Key Vault.
        click(
            &page,
            "form[action='/secrets/prod/kv-prod-web/browser-upload/rediscover'] button",
        )
        .await;
        appear(&page, "#notice").await;
        let start = Instant::now();
        loop {
            let notice: String = eval(&page, "document.getElementById('notice').textContent").await;
            if notice.starts_with("Rediscovered browser-upload") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "{notice}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        chrome.close().await;
        s.finish().await;
    }
}

#[tokio::test]
#[ignore = "drives Chromium and axe-core: .ci/run installs them and runs this"]
async fn browser_discovery_with_previous_versions_and_the_auditors_view() {
    for s in stacks("browser_discovery").await {
        s.add_demo_credential("prod").await;
        let chrome = Chrome::launch(&format!("browser_discovery_{}", s.backend)).await;
        let page = signed_in_admin(&s, &chrome).await;
        page.goto(format!("{}/discovery", s.url)).await.expect("go");
        arrive(&page, "/discovery").await;
        chrome.check(&page, "discovery").await;
        let ticked: bool = eval(
            &page,
            "document.querySelector('input[name=all_versions]').checked",
        )
        .await;
        assert!(ticked, "Import Previous Versions is ticked by default");
        let _: String = eval(
            &page,
            "document.getElementById('credential').value = 'prod'",
        )
        .await;
        let _: String = eval(&page, "document.getElementById('secrets').value = 'all'").await;
        click(&page, "#discovery button[type=submit]").await;
        arrive(&page, "/jobs/").await;
        // The progress bar follows the job to its end without a reload.
        let start = Instant::now();
        loop {
            let status: String = eval(
                &page,
                "document.getElementById('job-progress').dataset.status",
            )
            .await;
            if !matches!(status.as_str(), "queued" | "running") {
                assert_eq!(status, "succeeded");
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the discovery never finished"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let (value, max): (f64, f64) = eval(
            &page,
            "[document.getElementById('job-bar').value, document.getElementById('job-bar').max]",
        )
        .await;
        assert_eq!(value, max, "the bar is full");
        chrome.check(&page, "discovery-job").await;
        // Every version of the production vaults is in Certkeep, as the emulator has them.
        let state = crate::common::emulator().state().await;
        let versions: usize = state["vaults"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| {
                crate::common::PROD_VAULTS
                    .contains(&v["properties"]["name"].as_str().unwrap_or_default())
            })
            .flat_map(|v| v["certificates"].as_array().unwrap().iter())
            .map(|c| c["versions"].as_array().unwrap().len())
            .sum();
        page.goto(format!("{}/certificates?show=all&limit=5", s.url))
            .await
            .expect("go");
        arrive(&page, "show=all").await;
        let heading: String = eval(&page, "document.getElementById('results-h').textContent").await;
        // Certificates read from TLS secrets are listed too.
        let shown: usize = heading
            .split(" of ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(
            shown >= versions,
            "{heading}: at least the {versions} Key Vault versions"
        );
        for (path, name) in [("/audit", "audit"), ("/admin", "admin")] {
            page.goto(format!("{}{path}", s.url)).await.expect("go");
            arrive(&page, path).await;
            chrome.check(&page, name).await;
        }

        // The auditor: the same screens, and not one action on them.
        let otp = fresh_password();
        s.engine
            .create_user(
                &certkeep_engine::Actor::user("setup"),
                certkeep_engine::access::NewUserInput {
                    username: "audrey".into(),
                    password: otp.clone().into(),
                    role: certkeep_engine::access::Role::Auditor,
                },
            )
            .await
            .expect("auditor");
        click(&page, "header form button").await;
        arrive(&page, "/login").await;
        fill(&page, "#username", "audrey").await;
        fill(&page, "#password", &otp).await;
        click(&page, "main button[type=submit]").await;
        arrive(&page, "/password").await;
        let new = fresh_password();
        fill(&page, "#current_password", &otp).await;
        fill(&page, "#new_password", &new).await;
        fill(&page, "#confirm_password", &new).await;
        click(&page, "main button[type=submit]").await;
        arrive(&page, "/dashboard").await;
        for path in [
            "/certificates",
            "/vaults",
            "/issuers",
            "/requests",
            "/secrets",
            "/credentials",
            "/discovery",
        ] {
            page.goto(format!("{}{path}", s.url)).await.expect("go");
            arrive(&page, path).await;
            let actions: usize = count(&page, "main form[method=post]").await;
            let boxes: usize = count(&page, "input[name=id]").await;
            assert_eq!(
                (actions, boxes),
                (0, 0),
                "{path}: the auditor sees no action"
            );
        }
        chrome.check(&page, "auditor-discovery").await;
        chrome.close().await;
        s.finish().await;
    }
}
