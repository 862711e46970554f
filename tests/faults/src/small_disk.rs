//! A disk of the test's own that can be filled: a tmpfs of a few megabytes mounted on a new
//! temporary folder, where a full-disk test puts a desktop store or a server database, fills
//! what is left with a file of zeros, and frees it again.
//!
//! Mounting needs root (or `CAP_SYS_ADMIN`), which the machines that run the suite have. Where
//! a machine does not allow it, the tests that need it fail and say why, unless
//! [`SKIP_VARIABLE`] is set: then each prints that it was skipped and why, and returns.
//! `cargo xtask test` sets it only when its own probe cannot mount.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Set to skip the tests that need a small disk on a machine that cannot mount one.
pub const SKIP_VARIABLE: &str = "POLSO_TEST_NO_SMALL_DISK";

/// A mounted tmpfs, unmounted when dropped.
pub struct SmallDisk {
    mount_point: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `bytes` (rounded up to whole pages by the kernel) on a new folder;
    /// `None` when it cannot and [`SKIP_VARIABLE`] says to skip, after printing why.
    pub fn mount(bytes: u64) -> Result<Option<SmallDisk>> {
        let mount_point = tempfile::tempdir()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0700"), "polso-small-disk"])
            .arg(mount_point.path())
            .output();
        let why = match mounted {
            Ok(output) if output.status.success() => return Ok(Some(SmallDisk { mount_point })),
            Ok(output) => String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            Err(error) => format!("`mount` could not be started: {error}"),
        };
        if std::env::var_os(SKIP_VARIABLE).is_some() {
            eprintln!(
                "skipped: this machine cannot mount a small filesystem to fill ({why}); {SKIP_VARIABLE} is set"
            );
            return Ok(None);
        }
        bail!(
            "mounting a small tmpfs for a full-disk test failed: {why}. Run the tests as root, or set \
             {SKIP_VARIABLE}=1 to skip the full-disk tests (each then prints that it was skipped)"
        )
    }

    /// The mounted folder.
    pub fn path(&self) -> &Path {
        self.mount_point.path()
    }

    fn filler(&self) -> PathBuf {
        self.path().join("filler")
    }

    /// Fills what is left of the disk with zeros, page by page, until the kernel refuses a
    /// page (`ENOSPC`): from then on a write that needs one more page fails. The bytes it
    /// took.
    pub fn fill(&self) -> Result<u64> {
        let mut filler = File::options().create(true).append(true).open(self.filler())?;
        let page = [0_u8; 4096];
        let mut written = 0_u64;
        loop {
            match filler.write(&page) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(error) if error.kind() == ErrorKind::StorageFull => break,
                Err(error) => return Err(error).context("filling the small disk"),
            }
        }
        // What fits in a page's remainder is taken too, so not one more page is left.
        loop {
            match filler.write(&page[..1]) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(error) if error.kind() == ErrorKind::StorageFull => break,
                Err(error) => return Err(error).context("filling the small disk"),
            }
        }
        filler.sync_all().ok();
        Ok(written)
    }

    /// Makes `path`, on this disk, `owner`'s (a database server that runs as its own user).
    pub fn give_to(&self, owner: Option<&str>, path: &Path) -> Result<()> {
        let Some(owner) = owner else { return Ok(()) };
        for folder in [self.path(), path] {
            let status = Command::new("chown").arg(owner).arg(folder).status().context("starting chown")?;
            if !status.success() {
                bail!("chown {owner} {} failed with {status}", folder.display());
            }
        }
        Ok(())
    }

    /// Removes the filler: the space is back.
    pub fn free(&self) -> Result<()> {
        std::fs::remove_file(self.filler()).context("removing the small disk's filler")
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a server killed a moment ago may still hold a file open.
        let _ = Command::new("umount").arg("-l").arg(self.mount_point.path()).status();
    }
}
