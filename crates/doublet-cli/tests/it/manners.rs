//! The usual manners of a command-line tool: colour on request and never
//! into a pipe unasked, NO_COLOR, wide characters wrapped by their width,
//! completions, man pages and examples in `--help`.

use crate::{doublet, StdoutOk};

const GREEN: &str = "\x1b[1;32m";

/// Two documents sharing a Japanese passage (no spaces to break at).
fn japanese(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let shared = "日本の首都東京では、新しい鉄道路線の建設が始まりました。政府は三年以内に完成する見込みだと発表しました。";
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    std::fs::write(
        &a,
        format!("{shared}地元の住民は騒音について懸念を示しています。\n"),
    )
    .unwrap();
    std::fs::write(&b, format!("ニュース速報。{shared}以上です。\n")).unwrap();
    (a, b)
}

fn compare(
    a: &std::path::Path,
    b: &std::path::Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> String {
    let mut cmd = doublet();
    cmd.env_remove("NO_COLOR").env("COLUMNS", "60");
    for (k, v) in env {
        cmd.env(k, v);
    }
    String::from_utf8(cmd.arg("compare").args(extra).arg(a).arg(b).stdout_ok()).unwrap()
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = japanese(dir.path());
    // Into a pipe, auto means none.
    assert!(!compare(&a, &b, &[], &[]).contains('\x1b'));
    assert!(!compare(&a, &b, &["--color", "auto"], &[]).contains('\x1b'));
    assert!(!compare(&a, &b, &["--color", "never"], &[]).contains('\x1b'));
    let always = compare(&a, &b, &["--color", "always"], &[]);
    assert!(always.contains(GREEN), "{always}");
    // Every line that opens the mark closes it before the other column.
    for line in always.lines().filter(|l| l.contains(" | ")) {
        let left = line.split(" | ").next().unwrap();
        assert_eq!(
            left.matches(GREEN).count(),
            left.matches("\x1b[0m").count(),
            "{line:?}"
        );
    }
    // The flag outranks NO_COLOR; without it, NO_COLOR is honoured
    // (auto is off in a pipe anyway, so `always` is what shows it).
    assert!(compare(&a, &b, &["--color", "always"], &[("NO_COLOR", "1")]).contains(GREEN));
    // It is a global flag: accepted before the subcommand too.
    let before = doublet()
        .env("COLUMNS", "60")
        .args(["--color", "always", "compare"])
        .arg(&a)
        .arg(&b)
        .stdout_ok();
    assert!(String::from_utf8(before).unwrap().contains(GREEN));
    let bad = doublet()
        .args(["compare", "--color", "sometimes"])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2);
    let msg = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert!(msg.contains("always") && msg.contains("never"), "{msg}");
}

#[test]
fn wide_characters_wrap_within_their_column() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = japanese(dir.path());
    let out = compare(&a, &b, &[], &[]);
    let col = (60 - 3) / 2;
    let mut rows = 0;
    for line in out.lines().filter(|l| l.contains(" | ")) {
        let (left, right) = line.split_once(" | ").unwrap();
        // Each ideograph takes two columns: the separator stays in place.
        assert_eq!(textwrap::core::display_width(left), col, "{line:?}");
        assert!(textwrap::core::display_width(right) <= col, "{line:?}");
        rows += 1;
    }
    assert!(
        rows >= 3,
        "the passage is wrapped onto several lines:\n{out}"
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef doublet"),
        ("fish", "complete -c doublet"),
    ] {
        let out = String::from_utf8(doublet().args(["completions", shell]).stdout_ok()).unwrap();
        assert!(out.contains(marker), "{shell}: {out:.200}");
        for sub in ["scan", "dedup", "compare", "eval", "index", "serve"] {
            assert!(out.contains(sub), "{shell} lacks {sub}");
        }
        assert!(
            out.contains("--min-passage") || out.contains("min-passage"),
            "{shell}"
        );
    }
    doublet().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn man_pages_print_or_go_into_a_folder() {
    let page = String::from_utf8(doublet().arg("man").stdout_ok()).unwrap();
    assert!(page.contains(".TH doublet 1"), "{page:.300}");
    assert!(
        page.contains("Find duplicated and reused text"),
        "{page:.600}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    doublet()
        .arg("man")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for name in [
        "doublet.1",
        "doublet-scan.1",
        "doublet-dedup.1",
        "doublet-compare.1",
        "doublet-index-add.1",
    ] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(text.contains(".TH"), "{name}");
    }
    let scan = std::fs::read_to_string(out.join("doublet-scan.1")).unwrap();
    assert!(scan.contains("min\\-passage"), "{scan:.500}");
}

#[test]
fn help_shows_examples() {
    let help = String::from_utf8(doublet().arg("--help").stdout_ok()).unwrap();
    assert!(
        help.contains("Examples:") && help.contains("doublet scan examples/news"),
        "{help}"
    );
    assert!(help.contains("--color"), "{help}");
}

/// A JSON Lines corpus of at least `bytes` bytes: documents of random words,
/// every tenth a copy of the one before, so that there is something to
/// compare.
fn generated(dir: &std::path::Path, bytes: usize) -> std::path::PathBuf {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = String::new();
    let mut last = String::new();
    let mut i = 0;
    while out.len() < bytes {
        let text = if i % 10 == 9 {
            last.clone()
        } else {
            (0..300)
                .map(|_| format!("w{}", next() % 5000))
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push_str(&serde_json::json!({"id": format!("d{i}"), "text": text}).to_string());
        out.push('\n');
        last = text;
        i += 1;
    }
    let path = dir.join("corpus.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

/// What `doublet scan ARGS INPUT` writes on a terminal (standard output
/// sent to /dev/null), run under a pseudo-terminal by util-linux `script`;
/// `None` when `script` is not installed.
fn on_a_terminal(args: &str, input: &std::path::Path) -> Option<String> {
    let quote =
        |p: &std::path::Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
    let bin = assert_cmd::cargo::cargo_bin("doublet");
    let cmd = format!("{} scan {args} {} >/dev/null", quote(&bin), quote(input));
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("RAYON_NUM_THREADS")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{shown}");
    Some(shown)
}

#[test]
fn progress_shows_percentage_rate_and_time_left_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = generated(dir.path(), 4 << 20);
    // Into a pipe, nothing but what a log should hold.
    let piped = doublet()
        .args(["scan", "--json"])
        .arg(&input)
        .assert()
        .success();
    let err = String::from_utf8(piped.get_output().stderr.clone()).unwrap();
    assert!(
        !err.contains('\x1b') && !err.contains('\r') && !err.contains("ETA"),
        "{err:?}"
    );
    let Some(shown) = on_a_terminal("--json", &input) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "util-linux `script` is needed to test progress on a terminal"
        );
        eprintln!("skipped: no `script` to run doublet on a pseudo-terminal");
        return;
    };
    // The input's size is known: a bar of bytes read, with a percentage,
    // a rate and the time left.
    let percent = shown
        .match_indices('%')
        .any(|(i, _)| shown[..i].ends_with(|c: char| c.is_ascii_digit()));
    assert!(percent, "{shown:?}");
    assert!(shown.contains("reading ["), "{shown:?}");
    assert!(
        shown.contains("MiB/s") || shown.contains("B/s"),
        "{shown:?}"
    );
    assert!(shown.contains("ETA "), "{shown:?}");
    // `-q` keeps the terminal quiet too.
    let quiet = on_a_terminal("-q --json", &input).unwrap();
    assert!(!quiet.contains("ETA") && !quiet.contains('\r'), "{quiet:?}");
}
