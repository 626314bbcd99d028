//! Writing output files so that a crash, a kill or a full disk never leaves a torn one, and so
//! that two processes writing one path never silently replace each other's work.

use std::fs;
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{DataError, DataResult};

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`:
/// a crash or a full disk leaves either the old file or the new one, never a torn one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> DataResult<()> {
    let temporary = temporary_sibling(path);
    let result = (|| -> std::io::Result<()> {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Make the rename durable; not every platform can open a directory, so ignore that.
            if let Ok(dir) = fs::File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temporary);
        return Err(DataError::io(path, e));
    }
    Ok(())
}

/// A hidden path beside `path` for a file being written before [`publish_new`] moves it into
/// place (distinct per process).
pub fn staging_path(path: &Path) -> PathBuf {
    temporary_sibling(path)
}

/// Moves the finished file `staged` to `path` without replacing anything there: the move is a
/// hard link, which fails when `path` exists, so of two processes publishing one path exactly
/// one succeeds and the other gets [`DataError::Exists`]. `staged` is removed either way.
pub fn publish_new(staged: &Path, path: &Path) -> DataResult<()> {
    let linked = fs::hard_link(staged, path);
    let result = match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(DataError::Exists {
            path: path.to_path_buf(),
        }),
        // File systems without hard links: copy into a file that must not exist yet.
        Err(_) => copy_to_new(staged, path),
    };
    let _ = fs::remove_file(staged);
    result
}

fn copy_to_new(from: &Path, to: &Path) -> DataResult<()> {
    let mut target = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => DataError::Exists {
                path: to.to_path_buf(),
            },
            _ => DataError::io(to, e),
        })?;
    let bytes = fs::read(from).map_err(|e| DataError::io(from, e))?;
    target
        .write_all(&bytes)
        .and_then(|()| target.sync_all())
        .map_err(|e| DataError::io(to, e))
}

/// An exclusive claim on a folder, so that two runs never write into one: the file
/// `folder/.lock` is locked with the operating system's advisory file lock (released when the
/// holder exits, however it exits, so a lock left by a killed run does not block) and holds the
/// holder's PID for the message the next run prints.
#[derive(Debug)]
pub struct FolderLock {
    _file: fs::File,
}

/// The lock file inside a locked folder.
pub const LOCK_FILE: &str = ".lock";

impl FolderLock {
    /// Locks `folder` (which must exist), or fails naming the process that holds it.
    pub fn acquire(folder: &Path) -> DataResult<Self> {
        let path = folder.join(LOCK_FILE);
        let mut file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| DataError::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(DataError::Locked {
                    path: folder.to_path_buf(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(DataError::io(&path, e)),
        }
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(pid.as_bytes()))
            .map_err(|e| DataError::io(&path, e))?;
        Ok(Self { _file: file })
    }
}

/// `.<name>.tmp-<pid>` beside `path`: hidden, and distinct for concurrent processes.
fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("no-such-folder").join("x");
        assert!(write_atomically(&missing, b"x").is_err());
    }

    #[test]
    fn publishing_never_replaces_and_exactly_one_of_two_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.png");
        let staged = staging_path(&path);
        fs::write(&staged, b"first").unwrap();
        publish_new(&staged, &path).unwrap();
        assert!(!staged.exists());
        fs::write(&staged, b"second").unwrap();
        let err = publish_new(&staged, &path).unwrap_err();
        assert!(matches!(err, DataError::Exists { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert!(!staged.exists(), "the loser's staged file is removed");
        // Two threads racing for one new path: one success, one `Exists`.
        let raced = dir.path().join("raced.png");
        let outcomes: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..2)
                .map(|i| {
                    let raced = raced.clone();
                    scope.spawn(move || {
                        let staged = raced.with_file_name(format!(".raced-{i}"));
                        fs::write(&staged, [i as u8]).unwrap();
                        publish_new(&staged, &raced).is_ok()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(outcomes.iter().filter(|&&won| won).count(), 1);
    }

    #[test]
    fn a_folder_lock_excludes_a_second_holder_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path()).unwrap();
        let err = FolderLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(first);
        // A lock file left behind (as by a killed run) does not block.
        assert!(dir.path().join(LOCK_FILE).exists());
        FolderLock::acquire(dir.path()).unwrap();
    }
}
