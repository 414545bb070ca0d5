//! Small exact statistics for the source × frame tables: log-factorials, the two-sided
//! Fisher exact test of a 2×2 table, adjusted (standardized) Pearson residuals,
//! Benjamini–Hochberg q-values for the many tests of one table, and for the word tables
//! the log-likelihood G² and Log Ratio.

/// ln(n!) exactly summed for small n, by Stirling's series (error < 1e-15) beyond.
pub fn ln_factorial(n: u64) -> f64 {
    const EXACT: u64 = 256;
    if n < EXACT {
        return (2..=n).map(|k| (k as f64).ln()).sum();
    }
    let x = n as f64 + 1.0;
    // ln Γ(x) = (x - 1/2) ln x - x + ln(2π)/2 + 1/(12x) - 1/(360x³) + 1/(1260x⁵) - ...
    let x2 = x * x;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x * x2)
        + 1.0 / (1260.0 * x * x2 * x2)
        - 1.0 / (1680.0 * x * x2 * x2 * x2)
}

/// ln of the hypergeometric probability of a 2×2 table [[a, b], [c, d]] given its margins.
fn ln_table_prob(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let n = a + b + c + d;
    ln_factorial(a + b) + ln_factorial(c + d) + ln_factorial(a + c) + ln_factorial(b + d)
        - ln_factorial(n)
        - ln_factorial(a)
        - ln_factorial(b)
        - ln_factorial(c)
        - ln_factorial(d)
}

/// Two-sided Fisher exact test of [[a, b], [c, d]]: the probability, under independence
/// with the margins fixed, of a table no more likely than the observed one (the
/// "minimum likelihood" rule, as in R's `fisher.test` and SciPy's `fisher_exact`, with
/// the same relative tolerance of 1e-7 for ties).
///
/// The probabilities are summed outwards from the mode, where they are largest, and the
/// sum stops once a term is negligible, so the cost grows with the spread of the
/// distribution, not with the size of the corpus.
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let (r1, c1, n) = (a + b, a + c, a + b + c + d);
    if n == 0 || r1 == 0 || r1 == n || c1 == 0 || c1 == n {
        return 1.0;
    }
    let lo = (r1 + c1).saturating_sub(n);
    let hi = r1.min(c1);
    let table = |x: u64| (x, r1 - x, c1 - x, n + x - r1 - c1);
    let ln_p = |x: u64| {
        let (a, b, c, d) = table(x);
        ln_table_prob(a, b, c, d)
    };
    // Mode of the hypergeometric distribution.
    let mode = (((r1 + 1) as f64 * (c1 + 1) as f64 / (n + 2) as f64).floor() as u64).clamp(lo, hi);
    let ln_mode = ln_p(mode);
    let obs = (ln_p(a) - ln_mode).exp();
    let cutoff = obs * (1.0 + 1e-7);
    // P(x+1)/P(x) = (r1-x)(c1-x) / ((x+1)(n-r1-c1+x+1)).
    let up = |x: u64| {
        ((r1 - x) as f64 * (c1 - x) as f64) / ((x + 1) as f64 * (n + x + 1 - r1 - c1) as f64)
    };
    let (mut total, mut tail) = (1.0f64, if 1.0 <= cutoff { 1.0 } else { 0.0 });
    let mut t = 1.0f64;
    let mut x = mode;
    while x < hi {
        t *= up(x);
        x += 1;
        total += t;
        if t <= cutoff {
            tail += t;
        }
        if t < 1e-300 * total {
            break;
        }
    }
    let mut t = 1.0f64;
    let mut x = mode;
    while x > lo {
        t /= up(x - 1);
        x -= 1;
        total += t;
        if t <= cutoff {
            tail += t;
        }
        if t < 1e-300 * total {
            break;
        }
    }
    (tail / total).min(1.0)
}

/// Adjusted (standardized) Pearson residuals of a contingency table `n[row][col]`:
/// (n - E) / sqrt(E (1 - R/N) (1 - C/N)) with E = R C / N. `None` where undefined (an
/// empty row or column, or one that holds the whole table).
pub fn adjusted_residuals(n: &[Vec<i64>]) -> Vec<Vec<Option<f64>>> {
    let rows: Vec<f64> = n.iter().map(|r| r.iter().sum::<i64>() as f64).collect();
    let ncols = n.first().map_or(0, Vec::len);
    let cols: Vec<f64> = (0..ncols)
        .map(|j| n.iter().map(|r| r[j]).sum::<i64>() as f64)
        .collect();
    let total: f64 = rows.iter().sum();
    n.iter()
        .enumerate()
        .map(|(i, r)| {
            r.iter()
                .enumerate()
                .map(|(j, &x)| {
                    if total <= 0.0 {
                        return None;
                    }
                    let e = rows[i] * cols[j] / total;
                    let v = e * (1.0 - rows[i] / total) * (1.0 - cols[j] / total);
                    (v > 0.0).then(|| (x as f64 - e) / v.sqrt())
                })
                .collect()
        })
        .collect()
}

/// The log-likelihood statistic G² = 2 Σ O ln(O / E) of the 2×2 table [[a, b], [c, d]]
/// (all four cells; E from the margins; an empty cell adds nothing). 0 for an empty table.
pub fn g2(a: f64, b: f64, c: f64, d: f64) -> f64 {
    let n = a + b + c + d;
    if n <= 0.0 {
        return 0.0;
    }
    let (r1, r2, c1, c2) = (a + b, c + d, a + c, b + d);
    let term = |o: f64, e: f64| {
        if o > 0.0 && e > 0.0 {
            o * (o / e).ln()
        } else {
            0.0
        }
    };
    2.0 * (term(a, r1 * c1 / n)
        + term(b, r1 * c2 / n)
        + term(c, r2 * c1 / n)
        + term(d, r2 * c2 / n))
}

/// Keyness of a word: G² of [[a, n1 - a], [c, n2 - c]] (the word's count `a` among the
/// `n1` words of the target, `c` among the `n2` of the reference), positive when the
/// target uses it more often (a / n1 > c / n2), negative when less.
pub fn signed_g2(a: f64, n1: f64, c: f64, n2: f64) -> f64 {
    let g = g2(a, n1 - a, c, n2 - c);
    if a * n2 >= c * n1 { g } else { -g }
}

/// Hardie's Log Ratio: log2 of (a / n1) / (c / n2), a zero count taken as 0.5. `None`
/// when either corpus is empty.
pub fn log_ratio(a: f64, n1: f64, c: f64, n2: f64) -> Option<f64> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let z = |x: f64| if x > 0.0 { x } else { 0.5 };
    Some(((z(a) / n1) / (z(c) / n2)).log2())
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`,
/// relative error below 1.2e-7 everywhere): a closed form that `sql/merge.sql` computes
/// identically.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// P(χ² ≥ x) with one degree of freedom: erfc(√(x/2)).
pub fn chi2_sf_1(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    erfc((x / 2.0).sqrt()).clamp(0.0, 1.0)
}

/// Benjamini–Hochberg adjusted p-values (q-values) of a family of tests: for the test of
/// rank i among the m p-values (ascending), q = min over j ≥ i of p₍ⱼ₎ · m / j, at most 1.
/// A cell is called significant at false discovery rate α when q < α; among the cells so
/// called, at most a share α is expected to be chance. `None` (no test) stays `None` and
/// does not count in m. Ties get the same q whatever their order.
pub fn benjamini_hochberg(p: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut order: Vec<(usize, f64)> = p
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let m = order.len() as f64;
    let mut out = vec![None; p.len()];
    let mut running = 1.0f64;
    for (rank, &(i, v)) in order.iter().enumerate().rev() {
        // m / rank first: exactly 1 for the largest p, so its q is p itself.
        running = running.min(v * (m / (rank + 1) as f64));
        out[i] = Some(running.max(v).min(1.0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values by hand: p · 6 / rank (ranks 2 4 3 1 6 5), then the running minimum
    /// from the largest p down (R's `p.adjust(p, "BH")` defines the same).
    #[test]
    fn benjamini_hochberg_by_hand() {
        let p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2];
        let want = [0.03, 0.06, 0.06, 0.03, 0.5, 0.24];
        let got = benjamini_hochberg(&p.map(Some));
        for (g, w) in got.iter().zip(want) {
            assert!((g.unwrap() - w).abs() < 1e-12, "{got:?}");
        }
        // Ties share a q; untested cells stay untested and do not count.
        let got = benjamini_hochberg(&[Some(0.02), None, Some(0.02), Some(1.0)]);
        assert_eq!(got, [Some(0.03), None, Some(0.03), Some(1.0)]);
        assert_eq!(benjamini_hochberg(&[]), Vec::<Option<f64>>::new());
        // Never below p, never above 1.
        let p = [0.9, 0.95, 0.99];
        for (q, p) in benjamini_hochberg(&p.map(Some)).iter().zip(p) {
            assert!(q.unwrap() >= p && q.unwrap() <= 1.0);
        }
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn ln_factorial_is_exact_and_continuous() {
        assert_eq!(ln_factorial(0), 0.0);
        assert_eq!(ln_factorial(1), 0.0);
        assert!(close(ln_factorial(10), 3_628_800f64.ln(), 1e-15));
        // Across the switch to Stirling's series.
        let exact: f64 = (2..=300u64).map(|k| (k as f64).ln()).sum();
        assert!(
            close(ln_factorial(300), exact, 1e-13),
            "{}",
            ln_factorial(300)
        );
        let exact: f64 = (2..=256u64).map(|k| (k as f64).ln()).sum();
        assert!(close(ln_factorial(256), exact, 1e-13));
    }

    /// Expected values from SciPy 1.17.1 `scipy.stats.fisher_exact([[a, b], [c, d]]).pvalue`
    /// (two-sided), printed once by a throwaway script.
    #[test]
    fn fisher_matches_scipy() {
        for (t, want) in [
            ([1, 9, 11, 3], 0.0027594561852200836),
            ([8, 2, 1, 5], 0.034965034965034975),
            ([3, 1, 1, 3], 0.48571428571428565),
            ([2, 0, 0, 2], 0.3333333333333333),
            ([0, 5, 5, 0], 0.007936507936507938),
            ([1, 0, 4, 18], 0.21739130434782608),
            ([5, 0, 3, 15], 0.0016642396505096733),
            ([10, 20, 30, 40], 0.5044757698516285),
            ([0, 1, 6, 16], 1.0),
            ([100, 900, 80, 920], 0.13748015082854734),
            ([2, 3, 20, 75], 0.3027736867943053),
            ([3, 0, 1, 19], 0.0022586109542631276),
            ([1, 2, 3, 17], 0.4528514963297571),
        ] {
            let got = fisher_exact_two_sided(t[0], t[1], t[2], t[3]);
            assert!(close(got, want, 1e-9), "{t:?}: got {got}, want {want}");
        }
    }

    #[test]
    fn fisher_degenerate_margins_give_one() {
        assert_eq!(fisher_exact_two_sided(0, 0, 3, 4), 1.0);
        assert_eq!(fisher_exact_two_sided(3, 4, 0, 0), 1.0);
        assert_eq!(fisher_exact_two_sided(0, 3, 0, 4), 1.0);
        assert_eq!(fisher_exact_two_sided(0, 0, 0, 0), 1.0);
    }

    #[test]
    fn fisher_scales_to_large_tables() {
        let p = fisher_exact_two_sided(3_000, 97_000, 25_000, 875_000);
        assert!((0.0..=1.0).contains(&p));
        let t = std::time::Instant::now();
        for _ in 0..100 {
            fisher_exact_two_sided(3_000, 97_000, 25_000, 875_000);
        }
        assert!(t.elapsed().as_secs_f64() < 5.0);
    }

    #[test]
    fn adjusted_residuals_match_hand_computation() {
        // 2×2: the adjusted residual of a cell is ±sqrt(chi-square).
        let r = adjusted_residuals(&[vec![10, 20], vec![30, 40]]);
        let chi2 = 100.0 * (10.0 * 40.0 - 20.0 * 30.0f64).powi(2) / (30.0 * 70.0 * 40.0 * 60.0);
        assert!(close(r[0][0].unwrap(), -chi2.sqrt(), 1e-12));
        assert!(close(r[1][1].unwrap(), -chi2.sqrt(), 1e-12));
        assert!(close(r[0][1].unwrap(), chi2.sqrt(), 1e-12));
        // An empty row has no residual.
        let r = adjusted_residuals(&[vec![0, 0], vec![3, 4]]);
        assert_eq!(r[0], [None, None]);
    }

    /// G² and Log Ratio against values worked out by hand (the arithmetic is in the
    /// comments), to 1e-9.
    #[test]
    fn g2_and_log_ratio_match_hand_computation() {
        // Word: 10 of 100 words in A, 5 of 200 in B. Table [[10, 90], [5, 195]], N = 300.
        // Margins: rows 100, 200; columns 15, 285. E = 5, 95, 10, 190.
        // G² = 2 (10 ln 2 + 90 ln(90/95) + 5 ln(1/2) + 195 ln(195/190))
        let want = 2.0
            * (10.0 * 2f64.ln()
                + 90.0 * (90.0f64 / 95.0).ln()
                + 5.0 * 0.5f64.ln()
                + 195.0 * (195.0f64 / 190.0).ln());
        // = 2 (6.931471806 - 4.866049914 - 3.465735903 + 5.065219849) = 7.329811674...
        assert!((want - 7.329_811_674).abs() < 1e-8, "{want}");
        assert!((signed_g2(10.0, 100.0, 5.0, 200.0) - want).abs() < 1e-9);
        // The other way round the sign flips.
        assert!((signed_g2(5.0, 200.0, 10.0, 100.0) + want).abs() < 1e-9);
        // Log Ratio: log2((10/100) / (5/200)) = log2(4) = 2.
        assert!((log_ratio(10.0, 100.0, 5.0, 200.0).unwrap() - 2.0).abs() < 1e-9);
        // A zero count is taken as 0.5: log2((3/60) / (0.5/40)) = log2(4) = 2.
        assert!((log_ratio(3.0, 60.0, 0.0, 40.0).unwrap() - 2.0).abs() < 1e-9);
        // 3 of 60 vs 0 of 40: [[3, 57], [0, 40]], N = 100, columns 3, 97;
        // E = 1.8, 58.2, 1.2, 38.8; G² = 2 (3 ln(3/1.8) + 57 ln(57/58.2) + 40 ln(40/38.8)).
        let want = 2.0
            * (3.0 * (3.0f64 / 1.8).ln()
                + 57.0 * (57.0f64 / 58.2).ln()
                + 40.0 * (40.0f64 / 38.8).ln());
        assert!((signed_g2(3.0, 60.0, 0.0, 40.0) - want).abs() < 1e-9);
        // Equal rates: no keyness.
        assert!(signed_g2(2.0, 20.0, 4.0, 40.0).abs() < 1e-12);
        assert_eq!(log_ratio(1.0, 0.0, 1.0, 5.0), None);
    }

    #[test]
    fn chi_square_tail_and_q_values() {
        // Known quantiles of χ²₁: 3.841458820694124 -> 0.05, 6.634896601021214 -> 0.01.
        assert!((chi2_sf_1(3.841_458_820_694_124) - 0.05).abs() < 1e-8);
        assert!((chi2_sf_1(6.634_896_601_021_214) - 0.01).abs() < 2e-9);
        assert_eq!(chi2_sf_1(0.0), 1.0);
        // BH by hand: p = 0.01, 0.04, 0.03, 0.20 (m = 4); sorted 0.01, 0.03, 0.04, 0.20:
        // p m / rank = 0.04, 0.06, 0.0533.., 0.20; suffix minima 0.04, 0.0533.., 0.0533.., 0.20.
        let q = benjamini_hochberg(&[Some(0.01), Some(0.04), Some(0.03), Some(0.20)]);
        for (got, want) in q.iter().zip([0.04, 0.16 / 3.0, 0.16 / 3.0, 0.20]) {
            assert!((got.unwrap() - want).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
