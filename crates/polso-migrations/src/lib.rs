//! The rules of a folder of numbered SQL migrations, written once for the app's store
//! (`polso-store`) and the server's database (`polso-server`), whose tests call them:
//!
//! - every `.sql` file of the folder is listed, in order, numbered from `0001` without a gap, and
//!   the text compiled into the program is the file's;
//! - a migration that has shipped is never edited: it may already have run on someone's machine,
//!   and an edit would leave their schema different from a new installation's. Each shipped file
//!   is pinned by its fingerprint; a change is made by adding the next numbered file.
//!
//! No SQL runs here: the crates keep their own `rusqlite_migration` steps and test them.

#![warn(missing_docs)]

use std::path::Path;

/// FNV-1a, 64 bits, of `text`: enough to notice an edit, with no dependency.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}

/// Checks that `listed` (file name, compiled text) names every `.sql` file of `folder`, in order,
/// numbered 1, 2, 3… by their first four digits, each with the file's own text; every breach is
/// named.
pub fn check_folder(folder: &Path, listed: &[(&str, &str)]) -> Result<(), String> {
    let mut on_disk: Vec<String> = std::fs::read_dir(folder)
        .map_err(|error| format!("reading {}: {error}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".sql"))
        .collect();
    on_disk.sort();
    let listed_names: Vec<&str> = listed.iter().map(|(name, _)| *name).collect();
    if on_disk != listed_names {
        return Err(format!(
            "the folder holds {on_disk:?} but the list names {listed_names:?}: list every file"
        ));
    }
    for (position, (name, text)) in listed.iter().enumerate() {
        let number: usize = name
            .get(..4)
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| format!("{name} has no number"))?;
        if number != position + 1 {
            return Err(format!("{name} is out of sequence: expected number {}", position + 1));
        }
        let on_disk =
            std::fs::read_to_string(folder.join(name)).map_err(|error| format!("reading {name}: {error}"))?;
        if on_disk != *text {
            return Err(format!("{name} differs from the text compiled in"));
        }
    }
    Ok(())
}

/// Checks that each shipped migration (file name, fingerprint) is listed with its pinned text.
pub fn check_shipped(listed: &[(&str, &str)], shipped: &[(&str, u64)]) -> Result<(), String> {
    for (name, pinned) in shipped {
        let (_, text) =
            listed.iter().find(|(listed, _)| listed == name).ok_or_else(|| format!("{name} is gone"))?;
        let found = fingerprint(text);
        if found != *pinned {
            return Err(format!(
                "{name} has shipped and must not change (fingerprint {found:#018x}, pinned {pinned:#018x}); \
                 add a new migration file instead"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_out_of_order_unlisted_or_edited_is_named() {
        let folder = tempfile_dir();
        std::fs::write(folder.join("0001_a.sql"), "CREATE TABLE a (x);").unwrap();
        std::fs::write(folder.join("0002_b.sql"), "CREATE TABLE b (x);").unwrap();
        let good = [("0001_a.sql", "CREATE TABLE a (x);"), ("0002_b.sql", "CREATE TABLE b (x);")];
        assert_eq!(check_folder(&folder, &good), Ok(()));
        let unlisted = check_folder(&folder, &good[..1]).unwrap_err();
        assert!(unlisted.contains("list every file"), "{unlisted}");
        let edited = [("0001_a.sql", "CREATE TABLE a (x);"), ("0002_b.sql", "CREATE TABLE b (y);")];
        assert!(check_folder(&folder, &edited).unwrap_err().contains("0002_b.sql differs"));
        std::fs::write(folder.join("0004_c.sql"), "").unwrap();
        let gap = [good[0], good[1], ("0004_c.sql", "")];
        assert!(check_folder(&folder, &gap).unwrap_err().contains("out of sequence"));
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn an_edited_shipped_migration_is_named() {
        let listed = [("0001_a.sql", "CREATE TABLE a (x);")];
        let pinned = fingerprint("CREATE TABLE a (x);");
        assert_eq!(check_shipped(&listed, &[("0001_a.sql", pinned)]), Ok(()));
        let edited = [("0001_a.sql", "CREATE TABLE a (x, y);")];
        assert!(check_shipped(&edited, &[("0001_a.sql", pinned)]).unwrap_err().contains("must not change"));
        assert!(check_shipped(&[], &[("0001_a.sql", pinned)]).unwrap_err().contains("is gone"));
    }

    /// A fresh folder under the system's temporary directory.
    fn tempfile_dir() -> std::path::PathBuf {
        let folder = std::env::temp_dir().join(format!("polso-migrations-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        folder
    }
}
