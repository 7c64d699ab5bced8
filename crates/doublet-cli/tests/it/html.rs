//! The HTML report, opened in a real headless browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{doublet, news, StdoutOk};

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

/// The page's DOM once its script has run, opened at `#hash` (the page
/// keeps its state there: the open pair, sort orders, filters, the open
/// cluster). `None` without a browser, outside CI.
fn dom(page: &Path, hash: &str) -> Option<String> {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing; .ci/run installs it"
        );
        eprintln!("skipped: no chromium on this machine");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = PathBuf::from(format!("{}#{hash}", page.display()));
    let out = browse(&browser, &url, profile.path(), &["--dump-dom".into()]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("data-ready=\"1\""),
        "the script did not finish: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dom.contains("data-error"), "script error in the page");
    Some(dom)
}

fn scan_page(dir: &Path, input: &Path, extra: &[&str]) -> PathBuf {
    let page = dir.join("report.html");
    doublet()
        .arg("scan")
        .arg(input)
        .arg("--html")
        .arg(&page)
        .args(extra)
        .arg("-q")
        .assert()
        .success();
    page
}

/// The page's `<body>` tag, which carries its state: `data-ready`,
/// `data-shown` (the open pair), `data-mode` (what the viewer highlights).
fn body(dom: &str) -> &str {
    let at = dom.find("<body").expect("a body");
    &dom[at..at + dom[at..].find('>').unwrap()]
}

/// The text of every `<span class="CLASS">` in `dom`.
fn spans<'d>(dom: &'d str, class: &str) -> Vec<&'d str> {
    let open = format!("<span class=\"{class}\"");
    dom.split(open.as_str())
        .skip(1)
        .map(|rest| {
            let inner = &rest[rest.find('>').map_or(0, |i| i + 1)..];
            inner.split("</span>").next().unwrap_or("")
        })
        .collect()
}

/// The `data-pair` attributes of the rows of the table with `id`, in order.
fn rows<'d>(dom: &'d str, table: &str) -> Vec<&'d str> {
    let at = dom.find(&format!("id=\"{table}\"")).expect("the table");
    let body = &dom[at..];
    let body = &body[..body.find("</table>").unwrap_or(body.len())];
    body.split("data-pair=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or(""))
        .collect()
}

const A: &str = "000_f100c1059ce78ca9.txt";
const B: &str = "001_f41e034662a1fcab.txt";
const C: &str = "002_139156a821428acc.txt";
const D: &str = "003_e9cfeb803afa4857.txt";

#[test]
fn html_report_works_offline_and_shows_the_seed_passages() {
    let dir = tempfile::tempdir().unwrap();
    let page = scan_page(dir.path(), &news(), &[]);
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing is fetched from anywhere.
    for needle in ["<link", " src=", "@import", "url(", "https://", "<iframe"] {
        assert!(!html.contains(needle), "the page references {needle}");
    }
    // Opened plainly: no pair is shown until one is picked.
    let Some(first) = dom(&page, "") else {
        return;
    };
    assert!(
        first.contains("id=\"viewer\" hidden"),
        "the viewer is closed"
    );
    // Both histograms count the three related pairs, and draw the thresholds.
    assert_eq!(first.matches("data-total=\"3\"").count(), 2);
    assert_eq!(first.matches("threshold 0.80").count(), 2);
    assert!(first.contains(">pairs (log)</text>"));
    // Every related pair is listed, kept and removed documents marked.
    assert_eq!(rows(&first, "pairs").len(), 3);
    assert!(first.contains("class=\"tag kept\"") && first.contains("class=\"tag removed\""));
    assert!(
        first.contains("id=\"notice\" role=\"status\" hidden"),
        "nothing left out"
    );

    // Kerry's quote is highlighted on both sides of the 000/002 pair, which
    // shares passages; the page opens it from its address.
    let dom = dom(&page, &format!("pair={A}&with={C}")).unwrap();
    assert!(body(&dom).contains("data-mode=\"passages\""));
    let quotes = spans(&dom, "passage")
        .into_iter()
        .filter(|s| s.contains("a little bit of progress"))
        .count();
    assert_eq!(quotes, 2, "the quote is highlighted in both documents");
    assert!(dom.contains("class=\"boilerplate\"") && dom.contains("class=\"repeated\""));

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("doublet-report-seeds.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    browse(
        &chromium().unwrap(),
        &page,
        profile.path(),
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

#[test]
fn a_near_duplicate_shows_the_words_that_differ_not_the_shared_text() {
    let dir = tempfile::tempdir().unwrap();
    let page = scan_page(dir.path(), &news(), &[]);
    let Some(dom) = dom(&page, &format!("pair={C}&with={D}")) else {
        return;
    };
    assert!(
        body(&dom).contains("data-mode=\"diff\""),
        "duplicates open on their differences"
    );
    assert!(dom.contains(": near-duplicate</h2>"));
    assert!(spans(&dom, "passage").is_empty());
    let marked: usize = ["only-left", "only-right"]
        .iter()
        .flat_map(|c| spans(&dom, c))
        .map(str::len)
        .sum();
    let text: usize = std::fs::read_dir(news())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("002_") || p.to_string_lossy().contains("003_"))
        .map(|p| std::fs::metadata(p).unwrap().len() as usize)
        .sum();
    assert!(marked > 0, "some words differ");
    assert!(
        marked * 5 < text,
        "{marked} of {text} bytes marked: the edits, not the whole text"
    );
    // The same pair can still show what it shares.
    let shared = self::dom(&page, &format!("pair={C}&with={D}&mode=passages")).unwrap();
    assert!(body(&shared).contains("data-mode=\"passages\""));
}

#[test]
fn tables_sort_by_any_column_and_clusters_open_their_members() {
    let dir = tempfile::tempdir().unwrap();
    let page = scan_page(dir.path(), &news(), &[]);
    // First: edits first (near-duplicate, contained), sharing, exact last.
    let Some(dom) = dom(&page, "") else {
        return;
    };
    assert_eq!(
        rows(&dom, "pairs"),
        [format!("{C}|{D}"), format!("{A}|{B}"), format!("{A}|{C}")]
    );
    let by_jaccard = self::dom(&page, "psort=jaccard:asc").unwrap();
    assert_eq!(
        rows(&by_jaccard, "pairs"),
        [format!("{A}|{C}"), format!("{A}|{B}"), format!("{C}|{D}")]
    );
    assert!(by_jaccard.contains("data-key=\"jaccard\" tabindex=\"0\" aria-sort=\"ascending\""));
    let by_b = self::dom(&page, "psort=b_in_a:desc&rel=1").unwrap();
    assert_eq!(
        rows(&by_b, "pairs"),
        [format!("{C}|{D}")],
        "filtered to near-duplicates"
    );

    // A cluster opens in place: its removed member, its relation and a link
    // to the side-by-side view.
    assert!(rows(&dom, "clusters").is_empty(), "clusters start closed");
    let open = self::dom(&page, "cluster=0").unwrap();
    assert_eq!(rows(&open, "clusters"), [format!("{A}|{B}")]);
    assert!(open.contains("class=\"open\">side by side ▸</td>"));
    // Filtered by relation, then by a member's id.
    let near = self::dom(&page, "crel=1").unwrap();
    assert!(near.contains("id=\"clusters\" class=\"grid\" data-rows=\"1\""));
    assert!(near.contains("data-cluster=\"1\"") && !near.contains("data-cluster=\"0\""));
    let by_member = self::dom(&page, &format!("cq={}", &B[..8])).unwrap();
    assert!(by_member.contains("data-cluster=\"0\"") && !by_member.contains("data-cluster=\"1\""));
    let by_lowest = self::dom(&page, "csort=lowest:asc").unwrap();
    let first_cluster = by_lowest.split("data-cluster=\"").nth(1).unwrap();
    assert!(
        first_cluster.starts_with('0'),
        "cluster 0 (jaccard 0.574) first"
    );
}

#[test]
fn a_copy_just_below_the_threshold_is_called_a_near_miss() {
    let dir = tempfile::tempdir().unwrap();
    let input = crate::near_miss(dir.path());
    let page = scan_page(dir.path(), &input, &[]);
    let Some(dom) = dom(&page, "pair=edited&with=original") else {
        return;
    };
    assert!(
        dom.contains("shared passages · below threshold, J 0.66"),
        "the near miss is named"
    );
    assert!(
        body(&dom).contains("data-mode=\"diff\""),
        "a near miss opens on its edits"
    );
    let edits = spans(&dom, "only-left");
    assert!(
        edits.len() >= 10 && edits.iter().all(|e| e.len() < 40),
        "{edits:?}"
    );
}

#[test]
fn a_page_holding_fewer_pairs_than_the_report_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let page = scan_page(dir.path(), &news(), &["--html-pairs", "1"]);
    let Some(dom) = dom(&page, "") else {
        return;
    };
    assert!(dom.contains("This page lists 1 of the report's 3 related pairs"));
    assert_eq!(rows(&dom, "pairs").len(), 1);
    // The histograms still count every pair.
    assert_eq!(dom.matches("data-total=\"3\"").count(), 2);
}

#[test]
fn texts_too_long_to_diff_still_open_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let words: Vec<String> = (0..31_000)
        .map(|i| format!("w{}", i * 7919 % 31_013))
        .collect();
    let mut edited = words.clone();
    edited[15_000] = "changed".into();
    let input = dir.path().join("long.jsonl");
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "long", "text": words.join(" ")}),
            serde_json::json!({"id": "long-edited", "text": edited.join(" ")})
        ),
    )
    .unwrap();
    let page = scan_page(dir.path(), &input, &[]);
    let Some(dom) = dom(&page, "pair=long&with=long-edited") else {
        return;
    };
    assert!(dom.contains(": near-duplicate</h2>"));
    assert!(dom.contains("too long to compare word by word in the page (over 30,000 words)"));
    assert!(dom.contains("id=\"mode-diff\" data-mode=\"diff\" disabled"));
}

#[test]
fn short_documents_above_the_threshold_are_not_called_near_misses() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("short.jsonl");
    let text = "the council voted on tuesday to close the old bridge to traffic for repairs lasting until the spring";
    std::fs::write(
        &input,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "one", "text": format!("{text} season")}),
            serde_json::json!({"id": "two", "text": format!("{text} months")})
        ),
    )
    .unwrap();
    let page = scan_page(dir.path(), &input, &[]);
    let Some(dom) = dom(&page, "pair=one&with=two") else {
        return;
    };
    // A stray % in a hand-typed address is taken as typed (dom() checks
    // that the page is ready and without a script error).
    let stray = self::dom(&page, "q=100%").unwrap();
    assert!(stray.contains("no rows match"));
    // (The script holds these words too: look for them rendered.)
    assert!(!dom.contains("below threshold, J 0."));
    assert!(dom.contains(">shared passages · too short to judge as a duplicate</td>"));
    assert!(dom.contains(": shared passages · too short to judge as a duplicate</h2>"));
    // The summary does not call it a near miss either.
    let out = doublet().arg("scan").arg(&input).stdout_ok();
    let out = String::from_utf8(out).unwrap();
    assert!(!out.contains("near miss"));
    assert!(out.contains("(jaccard 0.875: too little content to judge as duplicates)"));
}

#[test]
fn the_page_needs_a_file_of_its_own() {
    doublet()
        .args(["scan", "--html", "-"])
        .arg(news())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the page needs a file"));
}
