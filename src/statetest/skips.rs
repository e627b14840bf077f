use std::path::Path;

/// Files the runner skips, each with the reason, from `statetest-skips.txt` at the
/// repository root: `<path suffix> | <reason>` per line, `#` starts a comment.
#[derive(Clone, Debug, Default)]
pub struct Skips {
    entries: Vec<(String, String)>,
}

/// The skip list the CLI uses.
pub const SKIPS: &str = include_str!("../../statetest-skips.txt");

impl Skips {
    /// Parses the skip list.
    ///
    /// # Errors
    /// A line that is not `path | reason` with both present.
    pub fn parse(text: &str) -> Result<Skips, SkipsError> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (path, reason) = line.split_once('|').ok_or(SkipsError::NoSeparator { line: number + 1 })?;
            let (path, reason) = (path.trim(), reason.trim());
            if path.is_empty() || reason.is_empty() {
                return Err(SkipsError::Missing { line: number + 1 });
            }
            entries.push((path.to_string(), reason.to_string()));
        }
        Ok(Skips { entries })
    }

    /// The reason `file` is skipped, if it is.
    pub fn reason(&self, file: &Path) -> Option<&str> {
        let file = file.to_string_lossy().replace('\\', "/");
        self.entries.iter().find(|(suffix, _)| file.ends_with(suffix.as_str())).map(|(_, reason)| reason.as_str())
    }

    /// Every entry.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }
}

/// A line of the skip list that does not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SkipsError {
    /// No `|` between the path and the reason.
    #[error("statetest-skips.txt:{line}: expected `path | reason`")]
    NoSeparator {
        /// The line, from 1.
        line: usize,
    },
    /// The path or the reason is empty.
    #[error("statetest-skips.txt:{line}: both a path and a reason are required")]
    Missing {
        /// The line, from 1.
        line: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_list_parses_and_stays_short() {
        let skips = Skips::parse(SKIPS).unwrap();
        assert!(skips.entries().len() <= 8);
    }

    #[test]
    fn entries_match_by_suffix() {
        let skips = Skips::parse("# comment\nstX/a.json | why\n").unwrap();
        assert_eq!(skips.reason(Path::new("/x/GeneralStateTests/stX/a.json")), Some("why"));
        assert_eq!(skips.reason(Path::new("/x/stX/b.json")), None);
        assert!(Skips::parse("no reason here").is_err());
        assert!(Skips::parse("a.json | ").is_err());
    }
}
