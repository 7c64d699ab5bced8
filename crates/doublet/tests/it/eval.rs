//! Evaluation metrics against a brute-force computation over all pairs.

use doublet::eval::evaluate;
use proptest::prelude::*;

struct Brute {
    a: f64, // together in both
    b: f64, // predicted only
    c: f64, // truth only
    d: f64, // apart in both
}

fn brute(pred: &[usize], truth: &[usize], keep: impl Fn(usize, usize) -> bool) -> Brute {
    let mut r = Brute {
        a: 0.0,
        b: 0.0,
        c: 0.0,
        d: 0.0,
    };
    for i in 0..pred.len() {
        for j in i + 1..pred.len() {
            if !keep(i, j) {
                continue;
            }
            match (pred[i] == pred[j], truth[i] == truth[j]) {
                (true, true) => r.a += 1.0,
                (true, false) => r.b += 1.0,
                (false, true) => r.c += 1.0,
                (false, false) => r.d += 1.0,
            }
        }
    }
    r
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn contingency_metrics_equal_pair_enumeration(
        docs in prop::collection::vec((0usize..6, 0usize..6, 0usize..3), 2..40),
    ) {
        let pred: Vec<usize> = docs.iter().map(|d| d.0).collect();
        let truth: Vec<usize> = docs.iter().map(|d| d.1).collect();
        let labels: Vec<Option<String>> = docs.iter().map(|d| (d.2 > 0).then(|| format!("kind{}", d.2))).collect();
        let m = evaluate(&pred, &truth, Some(&labels));

        let r = brute(&pred, &truth, |_, _| true);
        prop_assert_eq!(m.pairs.true_positives as f64, r.a);
        prop_assert_eq!(m.pairs.false_positives as f64, r.b);
        prop_assert_eq!(m.pairs.false_negatives as f64, r.c);
        if r.a + r.b > 0.0 {
            prop_assert!((m.pairs.precision - r.a / (r.a + r.b)).abs() < 1e-12);
        }
        if r.a + r.c > 0.0 {
            prop_assert!((m.pairs.recall - r.a / (r.a + r.c)).abs() < 1e-12);
        }
        // The pair-counting form of the adjusted Rand index (Steinley 2004).
        let den = (r.a + r.b) * (r.b + r.d) + (r.a + r.c) * (r.c + r.d);
        if den > 0.0 {
            let ari = 2.0 * (r.a * r.d - r.b * r.c) / den;
            prop_assert!((m.adjusted_rand_index - ari).abs() < 1e-9, "{} vs {}", m.adjusted_rand_index, ari);
        }
        for (name, s) in &m.by_label {
            let has = |i: usize| labels[i].as_deref() == Some(name.as_str());
            let rl = brute(&pred, &truth, |i, j| has(i) || has(j));
            prop_assert_eq!(s.true_positives as f64, rl.a, "{}", name);
            prop_assert_eq!(s.false_positives as f64, rl.b, "{}", name);
            prop_assert_eq!(s.false_negatives as f64, rl.c, "{}", name);
        }
    }
}
