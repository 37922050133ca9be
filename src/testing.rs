//! What unit tests share.

/// A small deterministic generator (xorshift64*), for seeded random tests.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n` (0 for 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}
