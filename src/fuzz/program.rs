//! Random EVM programs: structured ones, built from pieces that reach every part of the
//! frame boundary (sub-calls of every kind, creates with init code from memory, copies,
//! storage, logs, returns and reverts of data), and raw ones, bytes as they come.

use rand::rngs::SmallRng;
use rand::Rng;

/// Accounts a generated program refers to: its own, the other programs', precompiles, an
/// account without code and one that does not exist.
#[derive(Clone, Debug)]
pub(crate) struct Targets {
    /// Accounts with generated code (the entry contract first).
    pub(crate) programs: Vec<[u8; 20]>,
    /// An account with a balance and no code.
    pub(crate) plain: [u8; 20],
}

/// 256-bit words that drive arithmetic and memory edge cases.
const WORDS: &[&[u8]] = &[
    &[0x00],
    &[0x01],
    &[0x02],
    &[0x1f],
    &[0x20],
    &[0x40],
    &[0xff],
    &[0x01, 0x00],
    &[0xff, 0xff, 0xff, 0xff],
    &[0x01, 0x00, 0x00, 0x00, 0x00],
    &[0x80; 32],
    &[0xff; 32],
    &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
];

/// Opcodes with no immediate, taken at random by the structured generator's "any" piece.
const SIMPLE_OPS: &[u8] = &[
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x20, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a,
    0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x50, 0x51, 0x52,
    0x53, 0x54, 0x55, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f, 0x80, 0x81, 0x85, 0x8f, 0x90, 0x91, 0x95, 0x9f, 0xa0,
    0xa1, 0xa2, 0xa3, 0xa4,
];

/// A program builder over one random stream.
pub(crate) struct Generator<'a> {
    rng: &'a mut SmallRng,
    targets: &'a Targets,
    code: Vec<u8>,
}

impl<'a> Generator<'a> {
    pub(crate) fn new(rng: &'a mut SmallRng, targets: &'a Targets) -> Self {
        Generator { rng, targets, code: Vec::new() }
    }

    /// A structured program of `pieces` pieces, ending in a terminator; `depth` bounds the
    /// nesting of init code inside init code.
    pub(crate) fn program(mut self, pieces: usize, depth: u32) -> Vec<u8> {
        for _ in 0..pieces {
            self.piece(depth);
        }
        self.terminator();
        self.code
    }

    /// Random bytes, with a bias towards PUSH, JUMPDEST and valid opcodes.
    pub(crate) fn raw(mut self, len: usize) -> Vec<u8> {
        for _ in 0..len {
            let byte = match self.rng.random_range(0..8) {
                0 => 0x5b,
                1 => 0x60 + self.rng.random_range(0..32),
                2..=4 => SIMPLE_OPS[self.rng.random_range(0..SIMPLE_OPS.len())],
                _ => self.rng.random(),
            };
            self.code.push(byte);
        }
        self.code
    }

    fn push_bytes(&mut self, bytes: &[u8]) {
        let bytes = match bytes.iter().position(|byte| *byte != 0) {
            Some(first) => &bytes[first..],
            None => &[0u8][..],
        };
        self.code.push(0x5f + bytes.len() as u8);
        self.code.extend_from_slice(bytes);
    }

    fn push_u64(&mut self, value: u64) {
        self.push_bytes(&value.to_be_bytes());
    }

    /// A word from [`WORDS`], a small number or random bytes.
    fn push_word(&mut self) {
        match self.rng.random_range(0..4) {
            0 => {
                let len = self.rng.random_range(1..=32);
                let bytes: Vec<u8> = (0..len).map(|_| self.rng.random()).collect();
                self.push_bytes(&bytes);
            }
            1 => {
                let value = self.rng.random_range(0..300);
                self.push_u64(value);
            }
            _ => {
                let word = WORDS[self.rng.random_range(0..WORDS.len())];
                self.push_bytes(word);
            }
        }
    }

    /// A memory offset: mostly small, sometimes at a word edge or far away.
    fn push_offset(&mut self) {
        let offset = match self.rng.random_range(0..64) {
            0..=3 => 1 << self.rng.random_range(10..=20),
            4 => u64::from(u32::MAX),
            5 => u64::MAX,
            _ => self.rng.random_range(0..256),
        };
        self.push_u64(offset);
    }

    /// A length: mostly short, sometimes a few KiB or absurd.
    fn push_len(&mut self) {
        let len = match self.rng.random_range(0..64) {
            0..=3 => self.rng.random_range(256..8192),
            4 => u64::MAX,
            5..=12 => 0,
            _ => self.rng.random_range(0..96),
        };
        self.push_u64(len);
    }

    /// An address a program may call or ask about.
    fn push_target(&mut self) {
        let address = match self.rng.random_range(0..10) {
            0..=4 => self.targets.programs[self.rng.random_range(0..self.targets.programs.len())],
            5 | 6 => crate::adversarial::address(self.rng.random_range(1..=0x11)),
            7 => self.targets.plain,
            8 => crate::adversarial::address(0xdead),
            _ => crate::adversarial::sender(),
        };
        self.push_bytes(&address);
    }

    /// Gas for a sub-call: none, a little, or all there is.
    fn push_call_gas(&mut self) {
        match self.rng.random_range(0..6) {
            0 => self.push_u64(0),
            1 => {
                let gas = self.rng.random_range(1..30_000);
                self.push_u64(gas);
            }
            2 => self.push_bytes(&[0xff; 32]),
            _ => self.code.push(0x5a),
        }
    }

    fn piece(&mut self, depth: u32) {
        match self.rng.random_range(0..100) {
            0..=14 => self.arithmetic(),
            15..=24 => self.memory(),
            25..=34 => self.storage(),
            35..=49 => self.call(),
            50..=56 => self.create(depth),
            57..=61 => self.log(),
            62..=69 => self.environment(),
            70..=74 => self.copy(),
            75..=79 => self.branch(depth),
            80..=84 => self.stack(),
            85..=89 => self.returndata(),
            _ => {
                let op = SIMPLE_OPS[self.rng.random_range(0..SIMPLE_OPS.len())];
                self.push_word();
                self.push_word();
                self.code.push(op);
            }
        }
    }

    fn arithmetic(&mut self) {
        const BINARY: &[u8] = &[
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1a,
            0x1b, 0x1c, 0x1d,
        ];
        const TERNARY: &[u8] = &[0x08, 0x09];
        const UNARY: &[u8] = &[0x15, 0x19, 0x1e];
        match self.rng.random_range(0..3) {
            0 => {
                self.push_word();
                self.push_word();
                self.code.push(BINARY[self.rng.random_range(0..BINARY.len())]);
            }
            1 => {
                self.push_word();
                self.push_word();
                self.push_word();
                self.code.push(TERNARY[self.rng.random_range(0..TERNARY.len())]);
            }
            _ => {
                self.push_word();
                self.code.push(UNARY[self.rng.random_range(0..UNARY.len())]);
            }
        }
        // Keep the result half of the time: later pieces consume what is on the stack.
        if self.rng.random_bool(0.5) {
            self.code.push(0x50);
        }
    }

    fn memory(&mut self) {
        match self.rng.random_range(0..4) {
            0 => {
                self.push_word();
                self.push_offset();
                self.code.push(0x52);
            }
            1 => {
                self.push_word();
                self.push_offset();
                self.code.push(0x53);
            }
            2 => {
                self.push_offset();
                self.code.extend([0x51, 0x50]);
            }
            _ => {
                self.push_len();
                self.push_offset();
                self.push_offset();
                self.code.push(0x5e);
            }
        }
    }

    fn storage(&mut self) {
        let key = self.rng.random_range(0..4);
        match self.rng.random_range(0..4) {
            0 => {
                self.push_word();
                self.push_u64(key);
                self.code.push(0x55);
            }
            1 => {
                self.push_u64(key);
                self.code.push(0x54);
            }
            2 => {
                self.push_word();
                self.push_u64(key);
                self.code.push(0x5d);
            }
            _ => {
                self.push_u64(key);
                self.code.push(0x5c);
            }
        }
    }

    fn call(&mut self) {
        let op = [0xf1, 0xf2, 0xf4, 0xfa][self.rng.random_range(0..4)];
        self.push_len();
        self.push_offset();
        self.push_len();
        self.push_offset();
        if matches!(op, 0xf1 | 0xf2) {
            match self.rng.random_range(0..4) {
                0 => self.push_u64(1),
                1 => self.push_word(),
                _ => self.push_u64(0),
            }
        }
        self.push_target();
        self.push_call_gas();
        self.code.push(op);
        if self.rng.random_bool(0.7) {
            self.code.push(0x50);
        }
    }

    /// Init code written into memory word by word, then CREATE or CREATE2 on it.
    fn create(&mut self, depth: u32) {
        let init = if depth == 0 {
            let len = self.rng.random_range(0..24);
            Generator::new(self.rng, self.targets).raw(len)
        } else {
            let pieces = self.rng.random_range(0..6);
            let mut body = Generator::new(self.rng, self.targets);
            for _ in 0..pieces {
                body.piece(depth - 1);
            }
            body.deploy();
            body.code
        };
        let base: u64 = self.rng.random_range(0..64);
        for (index, chunk) in init.chunks(32).enumerate() {
            let mut word = [0u8; 32];
            word[..chunk.len()].copy_from_slice(chunk);
            self.code.push(0x7f);
            self.code.extend_from_slice(&word);
            self.push_u64(base + 32 * index as u64);
            self.code.push(0x52);
        }
        let create2 = self.rng.random_bool(0.5);
        if create2 {
            self.push_word();
        }
        self.push_u64(init.len() as u64);
        self.push_u64(base);
        match self.rng.random_range(0..5) {
            0 => self.push_u64(1),
            1 => self.push_word(),
            _ => self.push_u64(0),
        }
        self.code.push(if create2 { 0xf5 } else { 0xf0 });
        if self.rng.random_bool(0.5) {
            self.code.push(0x50);
        }
    }

    /// Ends init code: return some runtime code from memory (often a copy of a small
    /// program), or stop, revert or fail.
    fn deploy(&mut self) {
        match self.rng.random_range(0..6) {
            0 => self.terminator(),
            _ => {
                let runtime = {
                    let len = self.rng.random_range(0..40);
                    Generator::new(self.rng, self.targets).raw(len)
                };
                for (index, chunk) in runtime.chunks(32).enumerate() {
                    let mut word = [0u8; 32];
                    word[..chunk.len()].copy_from_slice(chunk);
                    self.code.push(0x7f);
                    self.code.extend_from_slice(&word);
                    self.push_u64(32 * index as u64);
                    self.code.push(0x52);
                }
                let len = if self.rng.random_range(0..10) == 0 {
                    self.rng.random_range(0..0x7000)
                } else {
                    runtime.len() as u64
                };
                self.push_u64(len);
                self.push_u64(0);
                self.code.push(0xf3);
            }
        }
    }

    fn log(&mut self) {
        let topics = self.rng.random_range(0..=4u8);
        for _ in 0..topics {
            self.push_word();
        }
        self.push_len();
        self.push_offset();
        self.code.push(0xa0 + topics);
    }

    fn environment(&mut self) {
        const ADDRESSED: &[u8] = &[0x31, 0x3b, 0x3f];
        const PLAIN: &[u8] = &[
            0x30, 0x32, 0x33, 0x34, 0x36, 0x38, 0x3a, 0x3d, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x4a, 0x58,
            0x59, 0x5a,
        ];
        match self.rng.random_range(0..4) {
            0 => {
                self.push_target();
                self.code.push(ADDRESSED[self.rng.random_range(0..ADDRESSED.len())]);
            }
            1 => {
                self.push_word();
                self.code.push([0x35, 0x40, 0x49][self.rng.random_range(0..3)]);
            }
            _ => self.code.push(PLAIN[self.rng.random_range(0..PLAIN.len())]),
        }
        if self.rng.random_bool(0.5) {
            self.code.push(0x50);
        }
    }

    fn copy(&mut self) {
        self.push_len();
        self.push_offset();
        self.push_offset();
        match self.rng.random_range(0..3) {
            0 => self.code.push(0x37),
            1 => self.code.push(0x39),
            _ => {
                self.push_target();
                self.code.push(0x3c);
            }
        }
    }

    fn returndata(&mut self) {
        if self.rng.random_bool(0.5) {
            self.code.push(0x3d);
            self.code.push(0x50);
        } else {
            self.push_len();
            self.push_offset();
            self.push_offset();
            self.code.push(0x3e);
        }
    }

    /// A forward conditional jump over a few pieces, or a bounded backward loop.
    fn branch(&mut self, depth: u32) {
        let pieces = self.rng.random_range(1..4);
        if self.rng.random_bool(0.5) {
            // PUSH2 dest; condition; JUMPI; pieces; JUMPDEST
            self.push_word();
            self.code.push(0x61);
            let patch = self.code.len();
            self.code.extend([0, 0]);
            self.code.extend([0x90, 0x57]);
            for _ in 0..pieces {
                self.piece(depth);
            }
            let dest = self.code.len() as u16;
            self.code[patch..patch + 2].copy_from_slice(&dest.to_be_bytes());
            self.code.push(0x5b);
        } else {
            // counter on the stack; JUMPDEST; pieces (stack-neutral or not: both fine);
            // counter - 1; loop while non-zero
            let iterations = self.rng.random_range(1..8);
            self.push_u64(iterations);
            let top = self.code.len() as u16;
            self.code.push(0x5b);
            for _ in 0..pieces {
                self.piece(depth);
            }
            self.code.extend([0x60, 0x01, 0x90, 0x03, 0x80, 0x61]);
            self.code.extend(top.to_be_bytes());
            self.code.extend([0x57, 0x50]);
        }
    }

    fn stack(&mut self) {
        match self.rng.random_range(0..3) {
            0 => self.code.push(0x80 + self.rng.random_range(0..16)),
            1 => self.code.push(0x90 + self.rng.random_range(0..16)),
            _ => self.code.push(0x50),
        }
    }

    fn terminator(&mut self) {
        match self.rng.random_range(0..10) {
            0..=2 => self.code.push(0x00),
            3..=5 => {
                self.push_len();
                self.push_offset();
                self.code.push(0xf3);
            }
            6 | 7 => {
                self.push_len();
                self.push_offset();
                self.code.push(0xfd);
            }
            8 => {
                self.push_target();
                self.code.push(0xff);
            }
            _ => self.code.push(0xfe),
        }
    }
}
