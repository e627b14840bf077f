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
    pub fn parse(text: &str) -> Result<Skips, String> {
        let mut entries = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (path, reason) = line
                .split_once('|')
                .ok_or_else(|| format!("statetest-skips.txt:{}: expected `path | reason`", number + 1))?;
            let (path, reason) = (path.trim(), reason.trim());
            if path.is_empty() || reason.is_empty() {
                return Err(format!("statetest-skips.txt:{}: both a path and a reason are required", number + 1));
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
