//! Planted duplicates whose answers are known.

use doublet::{Document, Relation};

use crate::fixtures::{article, doc, lines, scan};

/// A hand-written article used as the original in planted copies.
pub const STORY: &[&str] = &[
    "The harbour authority of Linmouth said on Tuesday that it would close the old ferry terminal at the end of the summer, after engineers found that the pier had been weakened by two decades of winter storms.",
    "\u{201C}We cannot ask passengers to walk on a structure we no longer trust,\u{201D} the authority\u{2019}s director told reporters at a crowded meeting in the town hall.",
    "Ferries to the islands will use a temporary pontoon on the eastern quay while a new terminal is designed, a process that the authority expects to take at least three years.",
    "Local traders, who depend on visitors arriving by sea, said they had not been consulted and warned that the temporary arrangement would push tourists towards the larger port of Redcar.",
    "The council has promised a public consultation in the autumn and said that funding for the new terminal would be shared between the town, the region and a national infrastructure fund.",
    "Engineers will begin removing the most damaged sections of the pier in October, when the number of crossings falls, and the work is expected to last until the following spring.",
];

fn story() -> String {
    STORY.join("\n") + "\n"
}

fn straighten(s: &str) -> String {
    s.replace(['\u{201C}', '\u{201D}'], "\"")
        .replace('\u{2019}', "'")
}

/// Re-wrap text at `width` columns, as a plain-text feed would.
fn reflow(s: &str, width: usize) -> String {
    let mut out = String::new();
    for para in s.lines() {
        let mut col = 0;
        for w in para.split_whitespace() {
            if col > 0 && col + w.len() + 1 > width {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(w);
            col += w.len();
        }
        out.push_str("\n\n");
    }
    out
}

#[test]
fn reflowed_copy_with_straight_quotes_is_exact() {
    let copy = reflow(&straighten(&story()), 60);
    assert_ne!(copy, story());
    let r = scan(vec![
        Document::new("orig", story()),
        Document::new("reflowed", copy),
    ]);
    let d = doc(&r, "reflowed");
    assert_eq!(d.relation, Some(Relation::Exact));
    assert_eq!(d.duplicate_of.as_deref(), Some("orig"));
}

#[test]
fn five_changed_words_make_a_near_duplicate() {
    let mut paras: Vec<String> = article(7, 10);
    paras.extend(STORY.iter().map(|s| s.to_string()));
    let orig = lines(&paras);
    let mut copy = orig.clone();
    for (from, to) in [
        ("engineers", "surveyors"),
        ("crowded", "packed"),
        ("islands", "isles"),
        ("autumn", "fall"),
        ("October", "November"),
    ] {
        assert!(copy.contains(from));
        copy = copy.replacen(from, to, 1);
    }
    let r = scan(vec![Document::new("a", orig), Document::new("b", copy)]);
    let d = doc(&r, "b");
    assert_eq!(d.relation, Some(Relation::NearDuplicate), "{:?}", d.jaccard);
    assert!(d.jaccard.unwrap() >= 0.8);
}

#[test]
fn first_half_plus_a_footer_is_contained_in_the_whole() {
    let whole = lines(&article(11, 12));
    let half: Vec<String> = article(11, 6);
    let copy = lines(&half)
        + "This article first appeared in the Westbury Gazette and is republished with permission of the editors.\n";
    let r = scan(vec![
        Document::new("whole", whole),
        Document::new("half", copy),
    ]);
    let d = doc(&r, "half");
    assert_eq!(d.relation, Some(Relation::Contained), "{d:?}");
    assert_eq!(d.duplicate_of.as_deref(), Some("whole"));
    assert!(
        d.jaccard.unwrap() < 0.8,
        "contained, not near-duplicate: {:?}",
        d.jaccard
    );
}

/// Another report of the same event, written independently of [`STORY`].
const OTHER: &[&str] = &[
    "Passengers travelling to the islands from Linmouth will have to board ferries from a floating pontoon from September, the harbour authority announced.",
    "The decision follows an inspection of the Victorian pier, which revealed corroded supports beneath the waterline and cracks in the concrete deck.",
    "Shopkeepers on the seafront fear a drop in trade. \u{201C}Half of our customers come off the boat,\u{201D} said the owner of a cafe near the terminal.",
    "A replacement terminal could open within three years if the regional government approves the funding request submitted last month.",
];

#[test]
fn two_articles_on_one_topic_are_not_duplicates() {
    let r = scan(vec![
        Document::new("a", story()),
        Document::new("b", OTHER.join("\n")),
    ]);
    assert!(doc(&r, "a").kept && doc(&r, "b").kept);
    assert!(r.pairs.is_empty(), "{:?}", r.pairs);
}

const ZH: &str = "本报讯 市政府周二宣布，将在今年夏天结束前关闭旧渡轮码头。工程师发现，码头经过二十年冬季风暴的侵蚀，结构已经严重受损。\n\
港务局局长在市政厅举行的会议上对记者说：我们不能让乘客在一个我们不再信任的建筑上行走。\n\
在新码头设计期间，前往岛屿的渡轮将使用东码头的临时浮桥，港务局预计这一过程至少需要三年时间。\n\
依靠海上游客的当地商人表示，他们事先没有得到征求意见，并警告说临时安排会把游客推向更大的港口。\n";

const UR: &str = "شہر کی بندرگاہ اتھارٹی نے منگل کو اعلان کیا کہ وہ گرمیوں کے آخر میں پرانے فیری ٹرمینل کو بند کر دے گی کیونکہ انجینئروں نے پایا کہ سردیوں کے طوفانوں نے گھاٹ کو کمزور کر دیا ہے۔\n\
اتھارٹی کے ڈائریکٹر نے ٹاؤن ہال میں ایک بھرے ہوئے اجلاس میں صحافیوں کو بتایا کہ ہم مسافروں سے ایسے ڈھانچے پر چلنے کو نہیں کہہ سکتے جس پر ہمیں اب بھروسہ نہیں ہے۔\n\
نئے ٹرمینل کے ڈیزائن کے دوران جزیروں کو جانے والی کشتیاں مشرقی گھاٹ پر ایک عارضی پلیٹ فارم استعمال کریں گی اور اس عمل میں کم از کم تین سال لگنے کی توقع ہے۔\n\
مقامی تاجروں نے کہا کہ ان سے مشورہ نہیں کیا گیا اور خبردار کیا کہ عارضی انتظام سیاحوں کو بڑی بندرگاہ کی طرف دھکیل دے گا۔\n";

#[test]
fn chinese_and_urdu_near_duplicates_are_found() {
    let zh_copy = ZH.replacen("周二", "周三", 1).replacen("三年", "四年", 1);
    let ur_copy = UR.replacen("منگل", "بدھ", 1);
    let r = scan(vec![
        Document::new("zh-a", ZH),
        Document::new("zh-b", zh_copy),
        Document::new("ur-a", UR),
        Document::new("ur-b", ur_copy),
        Document::new("en", story()),
    ]);
    for (copy, orig) in [("zh-b", "zh-a"), ("ur-b", "ur-a")] {
        let d = doc(&r, copy);
        assert_eq!(d.duplicate_of.as_deref(), Some(orig), "{d:?}");
        assert_eq!(d.relation, Some(Relation::NearDuplicate), "{d:?}");
        // Ideographs are words of their own: a Chinese paragraph is many
        // tokens, not one.
        assert!(d.words > 100, "{copy}: {} words", d.words);
    }
    assert!(doc(&r, "en").kept);
    assert_eq!(r.stats.removed, 2);
}

#[test]
fn empty_documents_are_kept_alone_and_counted() {
    let r = scan(vec![
        Document::new("e1", ""),
        Document::new("e2", " \n "),
        Document::new("s", story()),
    ]);
    assert_eq!(r.stats.documents, 3);
    assert_eq!(r.stats.empty, 2);
    assert_eq!(r.stats.kept, 3);
    assert_eq!(r.clusters.len(), 3);
}

#[test]
fn duplicate_ids_are_refused() {
    let mut s = doublet::Scanner::new(doublet::Config::default()).unwrap();
    let e = s
        .push(vec![Document::new("x", "a"), Document::new("x", "b")])
        .unwrap_err();
    assert!(e.to_string().contains("duplicate document id \"x\""), "{e}");
}

#[test]
fn duplicate_ids_are_found_across_batches_and_a_refused_batch_leaves_none_behind() {
    let mut s = doublet::Scanner::new(doublet::Config::default()).unwrap();
    // Enough ids that the table grows several times, in batches.
    for batch in 0..5 {
        let docs = (0..1000)
            .map(|i| Document::new(format!("d{}", batch * 1000 + i), "words"))
            .collect();
        s.push(docs).unwrap();
    }
    // Against an earlier batch: both positions named.
    let e = s
        .push(vec![
            Document::new("new-1", "a"),
            Document::new("new-2", "b"),
            Document::new("d1234", "c"),
        ])
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("duplicate document id \"d1234\" (documents #1234 and #5002"),
        "{e}"
    );
    // The refused batch was not pushed, so its other ids are free again.
    assert_eq!(s.len(), 5000);
    s.push(vec![
        Document::new("new-1", "a"),
        Document::new("new-2", "b"),
    ])
    .unwrap();
    assert_eq!(s.ids().count(), 5002);
    assert!(s.ids().any(|id| id == "new-2"));
    let e = s.push(vec![Document::new("new-2", "z")]).unwrap_err();
    assert!(e.to_string().contains("#5001 and #5002"), "{e}");
}

#[test]
fn a_copied_paragraph_with_two_changed_words_is_one_passage() {
    // B is another report of the event that borrows A's third paragraph with
    // two words changed, one of them among its last words.
    let borrowed = STORY[2]
        .replace("temporary pontoon", "floating pontoon")
        .replace("three years", "four years");
    let mut other: Vec<String> = OTHER.iter().map(|s| s.to_string()).collect();
    other.insert(2, borrowed.clone());
    let a = Document::new("a", story());
    let b = Document::new("b", lines(&other));
    let c = doublet::compare(&doublet::Config::default(), &a, &b).unwrap();
    assert_eq!(c.relation, doublet::PairRelation::SharedPassages);
    assert_eq!(c.passages.len(), 1, "{:?}", c.passages);
    let p = &c.passages[0];
    // The passage is the whole paragraph in both documents, edits included.
    assert_eq!(&a.text[p.a.start..p.a.end], STORY[2].trim_end_matches('.'));
    assert_eq!(&b.text[p.b.start..p.b.end], borrowed.trim_end_matches('.'));
    // And scan finds the same pair, with the same passage, among others.
    let r = scan(vec![a, b, Document::new("c", lines(&article(23, 8)))]);
    let shared: Vec<_> = r
        .pairs
        .iter()
        .filter(|p| p.relation == doublet::PairRelation::SharedPassages)
        .collect();
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!((shared[0].a.as_str(), shared[0].b.as_str()), ("a", "b"));
    assert_eq!(shared[0].passages.len(), 1);
    assert_eq!(shared[0].passages[0].a, p.a);
    assert_eq!(shared[0].passages[0].b, p.b);
}

/// `text` with `k` more words replaced (one word for one word), the way a
/// chain of copies drifts further from its root at every generation.
fn drift(text: &str, generation: u64, k: usize) -> String {
    let mut words: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    let total: usize = words.iter().map(Vec::len).sum();
    for i in 0..k as u64 {
        let mut at = ((generation * 7_919 + i * 104_729) % total as u64) as usize;
        for line in words.iter_mut() {
            if at < line.len() {
                line[at] = format!("gen{generation}word{i}");
                break;
            }
            at -= line.len();
        }
    }
    words.iter().map(|l| l.join(" ") + "\n").collect()
}

#[test]
fn a_family_of_successive_edits_keeps_its_centre() {
    // Seven copies, each four words further from the root: neighbours are
    // twins, the two ends are not. Keeping the root (the smallest id among
    // equally complete copies) would leave the far end alone; keeping the
    // copy most others are twins of keeps the family together.
    let mut family = vec![lines(&article(31, 8))];
    for generation in 1..7 {
        let next = drift(family.last().unwrap(), generation, 4);
        family.push(next);
    }
    let cfg = doublet::Config::default();
    let pair = |x: &str, y: &str| {
        doublet::compare(&cfg, &Document::new("x", x), &Document::new("y", y)).unwrap()
    };
    for w in family.windows(2) {
        let c = pair(&w[0], &w[1]);
        assert!(c.jaccard >= 0.8, "{}", c.jaccard);
    }
    let far = pair(&family[0], &family[6]);
    assert!(
        far.jaccard < 0.8 && far.a_in_b < 0.8 && far.b_in_a < 0.8,
        "{far:?}"
    );

    let ids: Vec<String> = (0..7).map(|g| format!("gen-{g}")).collect();
    let r = scan(
        ids.iter()
            .zip(&family)
            .map(|(id, text)| Document::new(id.as_str(), text.as_str()))
            .collect(),
    );
    let kept: Vec<&str> = r
        .documents
        .iter()
        .filter(|d| d.kept)
        .map(|d| d.id.as_str())
        .collect();
    // One copy near the middle is kept and every other one is its twin.
    assert_eq!(kept.len(), 1, "{:?}", r.documents);
    assert_ne!(kept, ["gen-0"]);
    assert_ne!(kept, ["gen-6"]);
    for d in r.documents.iter().filter(|d| !d.kept) {
        assert_eq!(d.duplicate_of.as_deref(), Some(kept[0]), "{}", d.id);
    }
}
