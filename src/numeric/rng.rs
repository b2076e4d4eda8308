//! A small deterministic random number generator for the cross-check:
//! xoshiro256** seeded through SplitMix64, so the same seed gives the same
//! points on every platform and with every build.
//!
//! The integer stream is bit-exact everywhere. So are the floats: `normal`
//! uses Box–Muller with its own `ln` and `cos` (series in `+ − × ÷` and
//! `sqrt`, all correctly rounded in IEEE 754) instead of the platform's libm,
//! whose last bit may differ between systems.

/// xoshiro256** (Blackman and Vigna, 2018).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

/// SplitMix64: spreads one seed over the generator's four words (the
/// seeding the xoshiro authors recommend); never yields the all-zero state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut state = seed;
        let s = [splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state), splitmix64(&mut state)];
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`, a multiple of 2⁻⁵³.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[a, b)`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }

    /// Standard normal, by Box–Muller (one of the pair; the other is
    /// dropped so that the state is only the four words).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]: the logarithm is finite
        let u2 = self.unit();
        (-2.0 * ln_unit(u1)).sqrt() * cos_turn(u2)
    }

    /// Uniform in `0..n`, without modulo bias (Lemire's multiply-and-reject).
    /// `below(0)` is 0: there is nothing to choose from, and no caller
    /// should be made to panic.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// The indices `0..n` in a random order (Fisher–Yates).
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            p.swap(i, j);
        }
        p
    }
}

const LN_2: f64 = std::f64::consts::LN_2;
const FRAC_PI_2: f64 = std::f64::consts::FRAC_PI_2;

/// `ln x` for `x` in `(0, 1]` (a normal float): `x = m·2ᵉ` with `m` in
/// `[√½, √2)`, then `ln m = 2 atanh s`, `s = (m−1)/(m+1)`, `|s| < 0.172`,
/// whose odd series reaches full precision in 12 terms.
fn ln_unit(x: f64) -> f64 {
    debug_assert!(x > 0.0 && x <= 1.0 && x.is_normal());
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut series = 0.0;
    for k in (0..12).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f64;
    }
    e as f64 * LN_2 + 2.0 * s * series
}

/// `cos 2πu` for `u` in `[0, 1)`: the quarter turn is found exactly
/// (`4u` and its fractional part are exact), then a Taylor series on
/// `[0, π/2)`, which reaches full precision in 12 terms.
fn cos_turn(u: f64) -> f64 {
    let t = 4.0 * u;
    let quarter = t.floor();
    let theta = (t - quarter) * FRAC_PI_2;
    let (c, s) = (cos_series(theta), sin_series(theta));
    match quarter as i64 {
        0 => c,
        1 => -s,
        2 => -c,
        _ => s,
    }
}

fn cos_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=12 {
        term *= -x2 / ((2 * k - 1) * (2 * k)) as f64;
        sum += term;
    }
    sum
}

fn sin_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    for k in 1..=12 {
        term *= -x2 / ((2 * k) * (2 * k + 1)) as f64;
        sum += term;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_fixed_by_the_seed() {
        // SplitMix64 from 0 gives the first word of the reference
        // implementation's output (Vigna's splitmix64.c).
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xe220_a839_7b1d_cdaf);
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, (0..8).map(|_| Rng::new(43).next_u64()).collect::<Vec<_>>());
    }

    #[test]
    fn xoshiro_matches_the_reference_step() {
        // From the state {1, 2, 3, 4}, xoshiro256** (Vigna's xoshiro256starstar.c)
        // yields 11520, 0, 1509978240, 1215971899390074240.
        let mut r = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(got, [11520, 0, 1509978240, 1215971899390074240]);
    }

    #[test]
    fn portable_ln_and_cos_agree_with_libm() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            let u = 1.0 - r.unit();
            assert!((ln_unit(u) - u.ln()).abs() <= 1e-15 * u.ln().abs().max(1.0), "ln {u}");
            let v = r.unit();
            let want = (2.0 * std::f64::consts::PI * v).cos();
            assert!((cos_turn(v) - want).abs() <= 2e-15, "cos {v}");
        }
        assert_eq!(ln_unit(1.0), 0.0);
        assert_eq!(cos_turn(0.0), 1.0);
        assert!((ln_unit(f64::MIN_POSITIVE) - f64::MIN_POSITIVE.ln()).abs() < 1e-12);
    }

    #[test]
    fn uniform_and_below_stay_in_range() {
        let mut r = Rng::new(1);
        let mut hits = [0usize; 5];
        for _ in 0..5000 {
            let x = r.uniform(0.5, 2.0);
            assert!((0.5..2.0).contains(&x));
            hits[r.below(5) as usize] += 1;
        }
        assert!(hits.iter().all(|&h| h > 800), "{hits:?}");
        assert_eq!(r.below(0), 0);
        assert_eq!(r.below(1), 0);
        let mut p = r.permutation(6);
        p.sort_unstable();
        assert_eq!(p, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn normal_has_mean_zero_and_variance_one() {
        let mut r = Rng::new(2024);
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.02, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "variance {var}");
        assert!(xs.iter().all(|x| x.is_finite()));
    }
}
