//! Plain documents (licences, changelogs, manual pages) come out whole, and
//! are removed only on evidence that holds on the text as written.

use crate::{doublet, json, read_jsonl, StdoutOk};

/// The 3-clause BSD licence, hard-wrapped as licence files carry it.
const BSD: &str = "Copyright (c) The Regents of the University of California.
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions
are met:
1. Redistributions of source code must retain the above copyright
   notice, this list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright
   notice, this list of conditions and the following disclaimer in the
   documentation and/or other materials provided with the distribution.
3. Neither the name of the University nor the names of its contributors
   may be used to endorse or promote products derived from this software
   without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE REGENTS AND CONTRIBUTORS ``AS IS'' AND
ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE
ARE DISCLAIMED.  IN NO EVENT SHALL THE REGENTS OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS
OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT
LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY
OUT OF THE USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF
SUCH DAMAGE.
";

const PACKAGES: &[&str] = &[
    "libquill",
    "tarnish",
    "moorhen",
    "bramblefs",
    "gannet",
    "pewter",
    "sorrel",
    "wicket",
];

const WORDS: &[&str] = &[
    "parser", "buffer", "socket", "cache", "index", "mirror", "archive", "config", "locale",
    "thread", "signal", "filter", "stream", "format", "header", "keymap", "plugin", "schema",
];

/// A word of `WORDS` chosen by `i` and `salt`.
fn word(i: usize, salt: usize) -> &'static str {
    WORDS[(i * 7 + salt * 13 + i / 3) % WORDS.len()]
}

/// A Debian copyright file of package `p` (its own header and file
/// stanzas, then the BSD licence indented, blank lines written ` .`).
fn copyright(p: usize) -> String {
    let name = PACKAGES[p];
    let mut out = format!(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
         Upstream-Name: {name}\nSource: https://example.org/{name}/releases\n\n"
    );
    for f in 0..14 {
        out += &format!(
            "Files: src/{}/{}_{f}.c\nCopyright: {} Maintainer Number {f} of {name} <dev{f}@{name}.example>\n\
             Comment: the {} and {} code here was written for {name} in {} and moved to its \
             own module when the {} handling was rewritten.\nLicense: BSD-3-clause\n\n",
            word(f, p),
            word(f + 1, p),
            1990 + (f * 3 + p) % 30,
            word(f + 2, p),
            word(f + 3, p),
            2000 + f + p,
            word(f + 4, p)
        );
    }
    out += "License: BSD-3-clause\n";
    for line in BSD.lines() {
        if line.is_empty() {
            out += " .\n";
        } else {
            out += &format!(" {line}\n");
        }
    }
    out
}

/// A Debian changelog of `entries` entries, with its wrapped bullets and
/// signature lines; `variant` changes one word of the newest entry.
fn changelog(entries: usize, variant: usize) -> String {
    let mut out = String::new();
    for e in (0..entries).rev() {
        out += &format!("tarnish (2.{e}.0-1) unstable; urgency=medium\n\n");
        for b in 0..4 {
            let w = |k: usize| word(e * 4 + b + k, 3);
            if b == 1 {
                out += &format!(
                    "  * Fix the {} handling when the {} is empty; the {} was read past its\n    \
                     end and the {} then reported a bogus {} (Closes: #{}).\n",
                    w(0),
                    w(1),
                    w(2),
                    w(3),
                    w(4),
                    900_000 + e * 10 + b
                );
            } else if e == entries - 1 && b == 0 {
                out += &format!("  * New upstream release {variant}.\n");
            } else {
                out += &format!("  * Update the {} {} to {}.\n", w(0), w(1), e + b);
            }
        }
        out += &format!(
            "\n -- Jo Maintainer <jo@example.org>  Mon, {:02} Jan {} 10:{:02}:00 +0100\n\n",
            1 + e % 28,
            2000 + e,
            e % 60
        );
    }
    out
}

/// The share of `original`'s non-space characters that `written` holds.
fn kept_share(original: &str, written: &str) -> f64 {
    let n = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count() as f64;
    n(written) / n(original)
}

fn write_jsonl(dir: &std::path::Path, docs: &[(String, String)]) -> std::path::PathBuf {
    let path = dir.join("in.jsonl");
    let text: String = docs
        .iter()
        .map(|(id, text)| serde_json::json!({"id": id, "text": text}).to_string() + "\n")
        .collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// Run `dedup` on `docs`; the kept records and the removed ones.
fn dedup(
    docs: &[(String, String)],
    extra: &[&str],
) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let dir = tempfile::tempdir().unwrap();
    let input = write_jsonl(dir.path(), docs);
    let (out, removed) = (
        dir.path().join("out.jsonl"),
        dir.path().join("removed.jsonl"),
    );
    doublet()
        .arg("dedup")
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .arg("--removed")
        .arg(&removed)
        .args(extra)
        .assert()
        .success();
    (read_jsonl(&out), read_jsonl(&removed))
}

fn scan(docs: &[(String, String)], extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let input = write_jsonl(dir.path(), docs);
    json(
        &doublet()
            .arg("scan")
            .arg(&input)
            .arg("--json")
            .args(extra)
            .stdout_ok(),
    )
}

#[test]
fn a_licence_quoted_by_many_copyright_files_is_shared_text_not_furniture() {
    let mut docs = vec![("common-licenses/BSD".to_string(), BSD.to_string())];
    docs.extend((0..PACKAGES.len()).map(|p| (format!("{}/copyright", PACKAGES[p]), copyright(p))));
    let r = scan(&docs, &[]);
    for d in r["documents"].as_array().unwrap() {
        assert_eq!(d["profile"], "plain", "{}", d["id"]);
        // The lines they share are in related documents (all hold the
        // licence), so nothing recurs as furniture.
        assert_eq!(d["boilerplate"], serde_json::json!([]), "{}", d["id"]);
    }
    let (kept, removed) = dedup(&docs, &[]);
    // Each copyright file is its own document, written whole; the licence
    // alone is contained in one of them.
    assert_eq!(kept.len(), PACKAGES.len());
    for k in &kept {
        let id = k["id"].as_str().unwrap();
        let original = &docs.iter().find(|d| d.0 == id).unwrap().1;
        let written = k["text"].as_str().unwrap();
        assert_eq!(written, original, "{id}");
        assert!(
            written.contains(" .\n THIS SOFTWARE IS PROVIDED"),
            "{id}: layout kept"
        );
    }
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["id"], "common-licenses/BSD");
    assert_eq!(removed[0]["relation"], "contained");
}

#[test]
fn a_licence_file_among_other_documents_is_written_whole() {
    let mut docs = vec![("common-licenses/BSD".to_string(), BSD.to_string())];
    // Documents that quote the licence's clauses without holding it whole.
    docs.extend((0..6).map(|p| {
        let clauses: String = BSD.lines().skip(3).take(9).collect::<Vec<_>>().join("\n");
        (
            format!("readme-{p}"),
            format!("{}\n\n{clauses}\n", changelog(4 + p, p)),
        )
    }));
    let (kept, _) = dedup(&docs, &[]);
    let bsd = kept
        .iter()
        .find(|k| k["id"] == "common-licenses/BSD")
        .unwrap();
    assert_eq!(bsd["text"].as_str().unwrap(), BSD, "written as it came");
}

#[test]
fn a_changelog_alone_is_written_as_it_came() {
    let text = changelog(30, 0);
    let docs = vec![("tarnish/changelog".to_string(), text.clone())];
    let r = scan(&docs, &[]);
    let d = &r["documents"][0];
    assert_eq!(d["profile"], "plain");
    assert_eq!(d["content_words"], d["words"]);
    let (kept, _) = dedup(&docs, &[]);
    assert_eq!(kept[0]["text"].as_str().unwrap(), text);
    // Read as a web page, its runs of short lines would go: the profile is
    // what keeps them.
    let (kept, _) = dedup(&docs, &["--clean", "web"]);
    assert!(kept_share(&text, kept[0]["text"].as_str().unwrap()) < 0.9);
}

#[test]
fn changelogs_that_differ_in_one_line_are_one_cluster() {
    let docs: Vec<(String, String)> = (0..4)
        .map(|v| (format!("llvm-{v}/changelog"), changelog(60, v)))
        .collect();
    let r = scan(&docs, &[]);
    assert_eq!(r["stats"]["removed"], 3, "{}", r["stats"]);
    assert_eq!(r["stats"]["near_duplicate"], 3);
    assert_eq!(r["stats"]["too_little_content"], 0);
}

/// A manual page rendered in German, some of it left in English; the French
/// page holds the same English paragraphs.
fn manual(lang: &str) -> String {
    let (head, name, opts, desc) = if lang == "de" {
        (
            "Dienstprogramme für Benutzer",
            "ändert den vollständigen Namen eines Benutzers und weitere Angaben",
            [
                "verändert den vollständigen Namen des Benutzers, der in der Datei steht",
                "ändert die private Telefonnummer des Benutzers, wenn er eine hat",
                "verändert die sonstigen Angaben über den Benutzer in der Zeile, die von anderen Anwendungen gelesen wird. Nur der Verwalter darf sie ändern.",
            ],
            "Wenn keine der Optionen angegeben ist, arbeitet das Programm im Dialog mit dem Benutzer und fragt nach den aktuellen Werten aller Felder. Geben Sie einen neuen Wert ein, um das Feld zu ändern, oder lassen Sie die Zeile leer, um den bisherigen Wert zu behalten. Der aktuelle Wert wird zwischen eckigen Klammern angezeigt.",
        )
    } else {
        (
            "Commandes utilisateur",
            "modifier le nom complet et les informations d'un utilisateur",
            [
                "modifier le nom complet de l'utilisateur tel qu'il figure dans le fichier",
                "modifier le numéro de téléphone personnel de l'utilisateur, s'il en a un",
                "modifier les autres informations sur l'utilisateur dans la ligne que lisent les autres applications. Seul l'administrateur peut les modifier.",
            ],
            "Si aucune option n'est indiquée, le programme fonctionne en dialogue avec l'utilisateur et demande les valeurs actuelles de tous les champs. Saisissez une nouvelle valeur pour modifier le champ, ou laissez la ligne vide pour garder la valeur actuelle. La valeur actuelle est affichée entre crochets.",
        )
    };
    let english = "The chfn command changes user fullname, office room number, office phone number, and home phone number information for a user's account. This information is typically printed by finger and similar programs. A normal user may only change the fields for their own account, subject to the restrictions in the login configuration.";
    let fields = "These fields must not contain any colons. Except for the other field, they should not contain any comma or equal sign. It is also recommended to avoid characters that are not in the basic set, but this is only enforced for the phone numbers. The other field is used to store information that is read by other applications.";
    let wrap = |text: &str, indent: &str| -> String {
        let mut out = String::new();
        let mut line = String::new();
        for w in text.split_whitespace() {
            if !line.is_empty() && indent.len() + line.len() + 1 + w.len() > 78 {
                out += &format!("{indent}{line}\n");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line += w;
        }
        out + &format!("{indent}{line}\n")
    };
    let mut page = format!("CHFN(1)                  {head}                  CHFN(1)\n\nNAME\n");
    page += &wrap(&format!("chfn - {name}"), "       ");
    page += "\nDESCRIPTION\n";
    page += &wrap(english, "       ");
    page += "\n";
    page += &wrap(fields, "       ");
    page += "\nOPTIONS\n";
    for (flag, o) in [
        "-f, --full-name NAME",
        "-h, --home-phone PHONE",
        "-o, --other OTHER",
    ]
    .iter()
    .zip(opts)
    {
        page += &format!("       {flag}\n");
        page += &wrap(o, "           ");
        page += "\n";
    }
    page += &wrap(desc, "       ");
    page + "\nshadow-utils 4.13                 2022-11-09                         CHFN(1)\n"
}

#[test]
fn a_translated_manual_page_keeps_its_language_and_is_not_contained_in_another() {
    let docs = vec![
        ("man/de/chfn.1".to_string(), manual("de")),
        ("man/fr/chfn.1".to_string(), manual("fr")),
    ];
    let r = scan(&docs, &[]);
    assert_eq!(r["stats"]["removed"], 0, "{}", r["stats"]);
    for d in r["documents"].as_array().unwrap() {
        assert_eq!(
            d["content_words"], d["words"],
            "{}: nothing removed",
            d["id"]
        );
    }
    // Read as web pages too, each paragraph is judged by its own
    // language's stop words: the German ones are prose, not furniture.
    let r = scan(&docs, &["--clean", "web"]);
    assert_eq!(r["stats"]["removed"], 0, "{}", r["stats"]);
    let de = &r["documents"][0];
    assert_eq!(de["language"], "en", "mostly English words");
    let text = &docs[0].1;
    for m in de["boilerplate"].as_array().unwrap() {
        let s = &text[m["start"].as_u64().unwrap() as usize..m["end"].as_u64().unwrap() as usize];
        assert!(
            !s.contains("Telefonnummer") && !s.contains("Dialog"),
            "German prose removed: {s}"
        );
    }
}

#[test]
fn paragraphs_can_be_marked_by_the_user() {
    // A two-line paragraph the page repeats: one block a line, or one
    // block for both lines.
    let para = "The council met on Monday to talk about the bridge.\nIt will meet again in the spring to decide.";
    let text = format!("{para}\n\n{para}\n");
    let docs = vec![("a".to_string(), text)];
    let repeats = |marks: &str| {
        let r = scan(&docs, &["--clean", "web", "--paragraphs", marks]);
        r["documents"][0]["repeated"].as_array().unwrap().len()
    };
    assert_eq!(repeats("lines"), 2);
    assert_eq!(repeats("blank"), 1);
    let bad = doublet()
        .args(["scan", "x", "--paragraphs", "pages"])
        .assert()
        .code(2);
    let err = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("--paragraphs") && err.contains("blank"),
        "{err}"
    );
}

/// `n` sentences of made-up prose, different for every `seed`.
fn prose(seed: u64, n: usize) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let words: Vec<String> = (0..12)
                .map(|k| match k % 3 {
                    0 => "the".to_string(),
                    _ => format!(
                        "{}{}",
                        ["mar", "tol", "ven", "sid", "quor", "bel"][(next() % 6) as usize],
                        next() % 500
                    ),
                })
                .collect();
            words.join(" ") + "."
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report's entry for document `id`.
fn by_id<'r>(report: &'r serde_json::Value, id: &str) -> &'r serde_json::Value {
    let docs = report["documents"].as_array().unwrap();
    docs.iter().find(|d| d["id"] == id).unwrap()
}

#[test]
fn a_match_that_rests_on_what_cleaning_removed_keeps_the_document() {
    // A register of lines that many unrelated documents carry at their
    // foot: corpus-wide furniture, longer than what the reprint reprints.
    let register: String = (0..14)
        .map(|i| format!("Register entry {i} of the county ledger\n"))
        .collect();
    let article = prose(1, 8);
    let mut docs: Vec<(String, String)> = (2..8)
        .map(|s| (format!("other-{s}"), format!("{}\n{register}", prose(s, 8))))
        .collect();
    docs.push(("original".to_string(), format!("{article}\n{register}")));
    // The reprint: the article's first four sentences over the register
    // (a third of its words, under the 0.4 the written rule asks).
    let excerpt: String = article.split_inclusive(". ").take(4).collect();
    docs.push((
        "reprint".to_string(),
        format!("{}\n{register}", excerpt.trim_end()),
    ));
    let r = scan(&docs, &[]);
    let reprint = by_id(&r, "reprint");
    assert!(
        reprint["cleaned"]["corpus"].as_u64().unwrap() > 0,
        "{reprint}"
    );
    assert_eq!(reprint["kept"], true, "{reprint}");
    assert_eq!(reprint["cleaning_dependent"], true, "{reprint}");
    assert_eq!(r["stats"]["cleaning_dependent"], 1);
    // With a margin wide enough, the cleaned content decides.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.json");
    std::fs::write(&cfg, r#"{"written_margin": 0.79}"#).unwrap();
    let r = scan(&docs, &["--config", cfg.to_str().unwrap()]);
    let reprint = by_id(&r, "reprint");
    assert_eq!(reprint["duplicate_of"], "original", "{reprint}");
}
