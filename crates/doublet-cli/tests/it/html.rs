//! The HTML report, opened in a real headless browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{doublet, news};

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// Run headless Chromium on `page` with the flags a closed network needs.
fn browse(browser: &Path, page: &Path, profile: &Path, extra: &[String]) -> std::process::Output {
    Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium")
}

#[test]
fn html_report_works_offline_and_shows_the_seed_passages() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    doublet()
        .arg("scan")
        .arg(news())
        .arg("--html")
        .arg(&page)
        .arg("-q")
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched from anywhere.
    for needle in ["<link", " src=", "@import", "url(", "https://", "<iframe"] {
        assert!(!html.contains(needle), "the page references {needle}");
    }

    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing; .ci/run installs it"
        );
        eprintln!("skipped: no chromium on this machine");
        return;
    };
    let out = browse(
        &browser,
        &page,
        &dir.path().join("profile-dom"),
        &["--dump-dom".into()],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dom.contains("data-error"), "script error in the page");
    // Kerry's quote is highlighted on both sides of the 000/002 pair.
    let marked = dom.matches("class=\"passage\"").count();
    assert!(marked >= 2, "{marked} highlighted passages");
    let quote_spans = dom
        .split("class=\"passage\"")
        .skip(1)
        .filter(|rest| {
            rest.split("</span>")
                .next()
                .unwrap_or("")
                .contains("a little bit of progress")
        })
        .count();
    assert_eq!(quote_spans, 2, "the quote is highlighted in both documents");
    assert!(dom.contains("class=\"boilerplate\"") && dom.contains("class=\"repeated\""));

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("doublet-report-seeds.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &browser,
        &page,
        &dir.path().join("profile-shot"),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1300,2400".into(),
        ],
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot at {}",
        shot.display()
    );
}
