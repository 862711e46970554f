//! A power cut for SQLite, in the tests: what Jepsen's LazyFS does for a
//! whole filesystem, done as an SQLite VFS (LazyFS is neither in Debian nor
//! fetchable here).
//!
//! A SIGKILL leaves the operating system's page cache intact, so a test that
//! kills a process cannot tell a database that fsyncs from one that does not.
//! A power cut can: whatever was written but not yet synced is gone. This
//! module gives the tests that power cut.
//!
//! [`PowerCutDirectory::new`] puts the files under a directory on a "disk"
//! that keeps every write in memory until SQLite syncs that file, while reads
//! see every write, as a page cache does. At `xSync` the file's pending writes
//! (and a truncation) go through to the real file. At a cut
//! ([`PowerCutDirectory::cut`], or [`PowerCutDirectory::cut_at_sync`] for the
//! n-th sync from now, which then cuts instead of persisting) every pending
//! write is discarded and every later read, write, sync or delete on that disk
//! fails without touching the real files, as if the process had died with the
//! machine. Reopening the files once the old connections are closed and the
//! directory dropped shows exactly what a power cut would have left.
//!
//! The VFS wraps SQLite's `unix` VFS and is registered as the process's
//! default, so the product's own open paths (`Store::open`,
//! `SqliteServerStore::open`) use it unchanged: no test hook in the product.
//! Files outside every power-cut directory, and temporary files, are the
//! `unix` VFS's own files, opened in place with its methods: nothing of this
//! module runs for them. Locks and the WAL's shared memory (`-shm`) are the
//! wrapped `unix` file's: the `-shm` file holds no data a reopened database
//! needs (its first connection rebuilds it from the WAL), so forwarding them
//! is sound, and WAL mode works as on a plain disk.
//!
//! What it does not model, deliberately: a write is lost whole or kept whole
//! (no torn or reordered writes within a file); creating and deleting a file
//! are durable at once (SQLite's rollback journal counts on a deleted journal
//! staying deleted, which a real disk gives after the directory's fsync); and
//! synced data is written to the real file but not fsynced there, because the
//! machine running the tests keeps its power.
//!
//! This is the workspace's one module with `unsafe` code: a VFS is SQLite's C
//! interface and cannot be written otherwise. Every block says why it is
//! sound; the crate denies unsafe code everywhere else.

#![allow(unsafe_code)]

use std::collections::HashMap;
use std::ffi::{CStr, OsStr, c_char, c_int, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use anyhow::{Context, Result, bail};
use rusqlite::ffi;

/// The name the VFS is registered under.
const VFS_NAME: &CStr = c"polso-power-cut";

/// The directories on a power-cut disk, each with its state.
static DISKS: Mutex<Vec<Arc<Disk>>> = Mutex::new(Vec::new());

/// The files under one directory, on a disk that loses power when told.
///
/// Create it before any connection opens a file under `directory`, and drop
/// it only once every connection to those files is closed: a connection
/// still open keeps failing after a cut, and its locks would stand in the way
/// of the connection that reopens the files. Dropping it discards what was
/// never synced, as a cut does.
#[derive(Debug)]
pub struct PowerCutDirectory {
    disk: Arc<Disk>,
}

impl PowerCutDirectory {
    /// Puts the files under `directory` (which must exist) on a power-cut
    /// disk, installing the VFS as SQLite's default the first time.
    pub fn new(directory: &Path) -> Result<PowerCutDirectory> {
        install()?;
        let directory = std::fs::canonicalize(directory)
            .with_context(|| format!("finding the directory {}", directory.display()))?;
        let mut disks = lock(&DISKS);
        if let Some(other) = disks
            .iter()
            .find(|disk| disk.directory.starts_with(&directory) || directory.starts_with(&disk.directory))
        {
            bail!("{} is already on a power-cut disk ({})", directory.display(), other.directory.display());
        }
        let disk = Arc::new(Disk { directory, state: Mutex::new(DiskState::default()) });
        disks.push(Arc::clone(&disk));
        Ok(PowerCutDirectory { disk })
    }

    /// How many times SQLite has synced a file under the directory so far
    /// (a sync that cut the power counts).
    pub fn syncs(&self) -> u64 {
        lock(&self.disk.state).syncs
    }

    /// Cuts the power at the `n`-th sync from now (1: the next one) instead
    /// of persisting it: what that sync would have written is lost with every
    /// other pending write, and the sync fails.
    pub fn cut_at_sync(&self, n: u64) {
        let mut state = lock(&self.disk.state);
        state.cut_at_sync = Some(state.syncs + n.max(1));
    }

    /// Cuts the power now.
    pub fn cut(&self) {
        lock(&self.disk.state).power_off();
    }

    /// Whether the power has been cut.
    pub fn was_cut(&self) -> bool {
        lock(&self.disk.state).cut
    }
}

impl Drop for PowerCutDirectory {
    fn drop(&mut self) {
        lock(&self.disk.state).power_off();
        lock(&DISKS).retain(|disk| !Arc::ptr_eq(disk, &self.disk));
    }
}

/// One power-cut directory's disk.
#[derive(Debug)]
struct Disk {
    /// Canonical, as SQLite's full path names are.
    directory: PathBuf,
    state: Mutex<DiskState>,
}

#[derive(Debug, Default)]
struct DiskState {
    /// Each file's content as the page cache holds it, by full path: kept
    /// while no handle has it open, as a page cache keeps a closed file.
    files: HashMap<PathBuf, Image>,
    syncs: u64,
    /// The value of `syncs` at which the power goes.
    cut_at_sync: Option<u64>,
    cut: bool,
}

impl DiskState {
    fn power_off(&mut self) {
        self.files.clear();
        self.cut = true;
    }
}

/// A file's current content and what of it the real file does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Image {
    bytes: Vec<u8>,
    /// The real file's length, as of the last sync.
    synced_len: usize,
    /// The byte range that differs from the real file since the last sync
    /// (zeros of an extension and the tail a truncation cut off included).
    dirty: Option<(usize, usize)>,
}

/// What a sync writes to the real file: `bytes` at `offset`, then the file
/// set to `len` bytes.
#[derive(Debug, PartialEq, Eq)]
struct Flush<'image> {
    offset: usize,
    bytes: &'image [u8],
    len: usize,
}

impl Image {
    fn synced(bytes: Vec<u8>) -> Image {
        Image { synced_len: bytes.len(), bytes, dirty: None }
    }

    fn mark_dirty(&mut self, low: usize, high: usize) {
        self.dirty = Some(match self.dirty {
            Some((old_low, old_high)) => (old_low.min(low), old_high.max(high)),
            None => (low, high),
        });
    }

    /// The bytes at `offset` into `out`, zeros past the end; whether all were there.
    fn read(&self, offset: usize, out: &mut [u8]) -> bool {
        let available = self.bytes.len().saturating_sub(offset).min(out.len());
        let (present, missing) = out.split_at_mut(available);
        if let Some(source) = self.bytes.get(offset..offset + available) {
            present.copy_from_slice(source);
        }
        missing.fill(0);
        missing.is_empty()
    }

    fn write(&mut self, offset: usize, data: &[u8]) {
        let end = offset + data.len();
        // Bytes between the old end and `offset` become zeros to write too.
        let low = offset.min(self.bytes.len());
        if self.bytes.len() < end {
            self.bytes.resize(end, 0);
        }
        if let Some(target) = self.bytes.get_mut(offset..end) {
            target.copy_from_slice(data);
        }
        self.mark_dirty(low, end);
    }

    fn truncate(&mut self, len: usize) {
        let low = len.min(self.bytes.len());
        self.bytes.resize(len, 0);
        self.mark_dirty(low, len.max(low));
    }

    /// What a sync must write; `None` when the real file holds it all.
    fn pending(&self) -> Option<Flush<'_>> {
        let (low, high) = match self.dirty {
            Some(range) => range,
            None if self.synced_len == self.bytes.len() => return None,
            None => (0, 0),
        };
        let high = high.min(self.bytes.len());
        let low = low.min(high);
        Some(Flush {
            offset: low,
            bytes: self.bytes.get(low..high).unwrap_or_default(),
            len: self.bytes.len(),
        })
    }

    fn mark_synced(&mut self) {
        self.dirty = None;
        self.synced_len = self.bytes.len();
    }
}

/// `mutex`, locked; a test that panicked while holding it left nothing half
/// done that matters to another (each disk's state is changed in one step).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The disk `path` is on, if any.
fn disk_for(path: &Path) -> Option<Arc<Disk>> {
    lock(&DISKS).iter().find(|disk| path.starts_with(&disk.directory)).cloned()
}

/// Registers the VFS as the default, once per process.
fn install() -> Result<()> {
    static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INSTALLED.get_or_init(register).clone().map_err(anyhow::Error::msg)
}

/// Where the wrapped `unix` file starts inside the file object SQLite
/// allocates for this VFS (`szOsFile` bytes, 8-byte aligned): right after
/// [`TrackedFile`].
const REAL_OFFSET: usize = std::mem::size_of::<TrackedFile>().next_multiple_of(8);

fn register() -> std::result::Result<(), String> {
    // SAFETY: `sqlite3_vfs_find` may be called at any time (it initialises
    // SQLite first); a non-null result points to a VFS that SQLite keeps
    // registered for the life of the process.
    let unix = unsafe { ffi::sqlite3_vfs_find(c"unix".as_ptr()) };
    if unix.is_null() {
        return Err("SQLite has no 'unix' VFS to wrap".to_owned());
    }
    // SAFETY: `unix` points to a valid, initialised `sqlite3_vfs` (above);
    // this copies its fields.
    let mut vfs: ffi::sqlite3_vfs = unsafe { std::ptr::read(unix) };
    let header = c_int::try_from(REAL_OFFSET).map_err(|error| error.to_string())?;
    vfs.szOsFile += header;
    vfs.pNext = std::ptr::null_mut();
    vfs.zName = VFS_NAME.as_ptr();
    // The wrapped VFS, for the methods below to call.
    vfs.pAppData = unix.cast();
    vfs.xOpen = Some(open);
    vfs.xDelete = Some(delete);
    vfs.xAccess = Some(access);
    // The other methods stay the `unix` VFS's own: they ignore the VFS they
    // are called with (only `unixOpen` reads it, for `pAppData`, and
    // `open` below calls it with the `unix` VFS itself).
    let vfs: &'static mut ffi::sqlite3_vfs = Box::leak(Box::new(vfs));
    // SAFETY: `vfs` lives for the rest of the process (leaked), its name is a
    // static string, and each of its methods is valid for the VFS it is
    // called with (above).
    let code = unsafe { ffi::sqlite3_vfs_register(vfs, 1) };
    if code != ffi::SQLITE_OK {
        return Err(format!("registering the power-cut VFS failed with SQLite code {code}"));
    }
    Ok(())
}

/// The file object of a file on a power-cut disk: SQLite's base (whose
/// methods are [`METHODS`]) and the handle; the wrapped `unix` file follows
/// at [`REAL_OFFSET`].
#[repr(C)]
struct TrackedFile {
    base: ffi::sqlite3_file,
    handle: *mut Handle,
}

/// What a tracked file knows: its disk and its full path.
struct Handle {
    disk: Arc<Disk>,
    path: PathBuf,
}

/// A path of SQLite's as a `Path`, unless null.
///
/// # Safety
/// `name` is null or a NUL-terminated string that outlives the result.
unsafe fn path_of<'name>(name: *const c_char) -> Option<&'name Path> {
    if name.is_null() {
        return None;
    }
    // SAFETY: not null, and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(name) }.to_bytes();
    Some(Path::new(OsStr::from_bytes(bytes)))
}

/// The `unix` VFS this one wraps.
///
/// # Safety
/// `vfs` is the VFS [`register`] made.
unsafe fn unix_of(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: `vfs` is ours (the caller's contract), whose `pAppData` is the `unix` VFS.
    unsafe { (*vfs).pAppData.cast() }
}

/// The wrapped `unix` file inside `file`.
///
/// # Safety
/// `file` is a file object of this VFS (`szOsFile` bytes).
unsafe fn real_of(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: the object is `szOsFile` bytes, `REAL_OFFSET` more than the
    // `unix` VFS's, so the wrapped file fits after the header; 8-byte aligned
    // as SQLite's allocations are.
    unsafe { file.cast::<u8>().add(REAL_OFFSET).cast() }
}

/// The handle and the wrapped file of a tracked file.
///
/// # Safety
/// `file` was opened by [`open`] as a tracked file and not yet closed.
unsafe fn parts<'file>(file: *mut ffi::sqlite3_file) -> (&'file Handle, *mut ffi::sqlite3_file) {
    // SAFETY: `open` wrote a `TrackedFile` with a live handle at `file`, which
    // `close` alone frees, after the last call on the file.
    unsafe { (&*(*file.cast::<TrackedFile>()).handle, real_of(file)) }
}

/// The methods of the wrapped `unix` file.
///
/// # Safety
/// `real` is an open `unix` file.
unsafe fn real_methods<'file>(real: *mut ffi::sqlite3_file) -> &'file ffi::sqlite3_io_methods {
    // SAFETY: an open `unix` file's methods are a static table of the `unix` VFS.
    unsafe { &*(*real).pMethods }
}

/// The files a power cut concerns: the database, its journal and its WAL
/// (not temporary files, which SQLite deletes on close).
fn is_durable(flags: c_int) -> bool {
    let kinds = ffi::SQLITE_OPEN_MAIN_DB
        | ffi::SQLITE_OPEN_MAIN_JOURNAL
        | ffi::SQLITE_OPEN_WAL
        | ffi::SQLITE_OPEN_SUPER_JOURNAL;
    flags & kinds != 0 && flags & ffi::SQLITE_OPEN_DELETEONCLOSE == 0
}

unsafe extern "C" fn open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls this with our VFS, a file name that is null or
    // valid for the call, and a file object of `szOsFile` bytes.
    unsafe {
        let unix = unix_of(vfs);
        let Some(unix_open) = (*unix).xOpen else { return ffi::SQLITE_CANTOPEN };
        let disk = match path_of(name) {
            Some(path) if is_durable(flags) => disk_for(path).map(|disk| (disk, path.to_path_buf())),
            _ => None,
        };
        let Some((disk, path)) = disk else {
            // Not on a power-cut disk: the `unix` VFS's own file, in place,
            // with its own methods.
            return unix_open(unix, name, file, flags, out_flags);
        };
        (*file).pMethods = std::ptr::null();
        let mut state = lock(&disk.state);
        if state.cut {
            return ffi::SQLITE_CANTOPEN;
        }
        let real = real_of(file);
        let code = unix_open(unix, name, real, flags, out_flags);
        if code != ffi::SQLITE_OK {
            return code;
        }
        if !state.files.contains_key(&path) {
            match read_whole(real) {
                Ok(bytes) => {
                    state.files.insert(path.clone(), Image::synced(bytes));
                }
                Err(code) => {
                    if let Some(close) = real_methods(real).xClose {
                        close(real);
                    }
                    return code;
                }
            }
        }
        drop(state);
        let handle = Box::into_raw(Box::new(Handle { disk, path }));
        std::ptr::write(
            file.cast::<TrackedFile>(),
            TrackedFile { base: ffi::sqlite3_file { pMethods: &METHODS }, handle },
        );
        ffi::SQLITE_OK
    }
}

/// The most bytes one read or write of a `unix` file may carry: its
/// `seekAndRead` and `seekAndWrite` take fewer than 128 KiB at a time (a
/// longer write is cut short and reported as a full disk).
const UNIX_IO_CHUNK: usize = 64 * 1024;

/// The whole content of the open `unix` file `real`.
///
/// # Safety
/// `real` is an open `unix` file.
unsafe fn read_whole(real: *mut ffi::sqlite3_file) -> std::result::Result<Vec<u8>, c_int> {
    // SAFETY: `real` is open (the caller's contract), and the buffer is as long as the read.
    unsafe {
        let methods = real_methods(real);
        let (Some(file_size), Some(read)) = (methods.xFileSize, methods.xRead) else {
            return Err(ffi::SQLITE_IOERR);
        };
        let mut size: ffi::sqlite3_int64 = 0;
        let code = file_size(real, &mut size);
        if code != ffi::SQLITE_OK {
            return Err(code);
        }
        let len = usize::try_from(size).map_err(|_| ffi::SQLITE_IOERR)?;
        let mut bytes = vec![0_u8; len];
        for (index, chunk) in bytes.chunks_mut(UNIX_IO_CHUNK).enumerate() {
            let offset = i64::try_from(index * UNIX_IO_CHUNK).map_err(|_| ffi::SQLITE_IOERR)?;
            let amount = c_int::try_from(chunk.len()).map_err(|_| ffi::SQLITE_IOERR)?;
            let code = read(real, chunk.as_mut_ptr().cast(), amount, offset);
            if code != ffi::SQLITE_OK {
                return Err(code);
            }
        }
        Ok(bytes)
    }
}

unsafe extern "C" fn delete(vfs: *mut ffi::sqlite3_vfs, name: *const c_char, sync_directory: c_int) -> c_int {
    // SAFETY: SQLite calls this with our VFS and a valid file name.
    unsafe {
        let unix = unix_of(vfs);
        let Some(unix_delete) = (*unix).xDelete else { return ffi::SQLITE_IOERR_DELETE };
        if let Some(path) = path_of(name)
            && let Some(disk) = disk_for(path)
        {
            let mut state = lock(&disk.state);
            if state.cut {
                return ffi::SQLITE_IOERR_DELETE;
            }
            state.files.remove(path);
            return unix_delete(unix, name, sync_directory);
        }
        unix_delete(unix, name, sync_directory)
    }
}

unsafe extern "C" fn access(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    result: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls this with our VFS, a valid file name and a place for the answer.
    unsafe {
        let unix = unix_of(vfs);
        let Some(unix_access) = (*unix).xAccess else { return ffi::SQLITE_IOERR_ACCESS };
        if flags == ffi::SQLITE_ACCESS_EXISTS
            && let Some(path) = path_of(name)
            && let Some(disk) = disk_for(path)
        {
            let state = lock(&disk.state);
            if state.cut {
                return ffi::SQLITE_IOERR_ACCESS;
            }
            // As `unix` answers from the file's size, which the page cache
            // knows: a file exists when it has a byte.
            if let Some(image) = state.files.get(path) {
                *result = c_int::from(!image.bytes.is_empty());
                return ffi::SQLITE_OK;
            }
        }
        unix_access(unix, name, flags, result)
    }
}

/// The methods of a file on a power-cut disk. Version 2: the WAL's shared
/// memory, but no memory-mapped reads (`xFetch`), which would bypass `xRead`.
static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock_file),
    xUnlock: Some(unlock_file),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: None,
    xUnfetch: None,
};

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes a file once, after its last call; the handle was
    // made by `Box::into_raw` in `open` and is freed here only.
    unsafe {
        let real = real_of(file);
        let handle = Box::from_raw((*file.cast::<TrackedFile>()).handle);
        let code = match real_methods(real).xClose {
            Some(close) => close(real),
            None => ffi::SQLITE_OK,
        };
        (*file).pMethods = std::ptr::null();
        drop(handle);
        code
    }
}

/// Runs `work` on the image of `handle`'s file, unless the power is cut or
/// the file is gone, which is `error`.
fn with_image(handle: &Handle, error: c_int, work: impl FnOnce(&mut Image) -> c_int) -> c_int {
    let mut state = lock(&handle.disk.state);
    if state.cut {
        return error;
    }
    match state.files.get_mut(&handle.path) {
        Some(image) => work(image),
        None => error,
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buffer: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let (Ok(amount), Ok(offset)) = (usize::try_from(amount), usize::try_from(offset)) else {
        return ffi::SQLITE_IOERR_READ;
    };
    // SAFETY: a tracked file; SQLite's buffer holds `amount` bytes.
    let (handle, out) =
        unsafe { (parts(file).0, std::slice::from_raw_parts_mut(buffer.cast::<u8>(), amount)) };
    with_image(handle, ffi::SQLITE_IOERR_READ, |image| {
        if image.read(offset, out) { ffi::SQLITE_OK } else { ffi::SQLITE_IOERR_SHORT_READ }
    })
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    buffer: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    let (Ok(amount), Ok(offset)) = (usize::try_from(amount), usize::try_from(offset)) else {
        return ffi::SQLITE_IOERR_WRITE;
    };
    // SAFETY: a tracked file; SQLite's buffer holds `amount` bytes.
    let (handle, data) = unsafe { (parts(file).0, std::slice::from_raw_parts(buffer.cast::<u8>(), amount)) };
    with_image(handle, ffi::SQLITE_IOERR_WRITE, |image| {
        image.write(offset, data);
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    let Ok(size) = usize::try_from(size) else { return ffi::SQLITE_IOERR_TRUNCATE };
    // SAFETY: a tracked file.
    let handle = unsafe { parts(file).0 };
    with_image(handle, ffi::SQLITE_IOERR_TRUNCATE, |image| {
        image.truncate(size);
        ffi::SQLITE_OK
    })
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, _flags: c_int) -> c_int {
    // SAFETY: a tracked file.
    let (handle, real) = unsafe { parts(file) };
    let mut state = lock(&handle.disk.state);
    if state.cut {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    state.syncs += 1;
    if state.cut_at_sync == Some(state.syncs) {
        state.power_off();
        return ffi::SQLITE_IOERR_FSYNC;
    }
    let Some(image) = state.files.get_mut(&handle.path) else { return ffi::SQLITE_OK };
    // SAFETY: `real` is the open `unix` file of this path.
    let code = unsafe { write_through(real, image) };
    if code == ffi::SQLITE_OK {
        image.mark_synced();
    }
    code
}

/// Writes `image`'s pending bytes and length to the real file.
///
/// # Safety
/// `real` is an open `unix` file of the image's path.
unsafe fn write_through(real: *mut ffi::sqlite3_file, image: &Image) -> c_int {
    let Some(flush) = image.pending() else { return ffi::SQLITE_OK };
    // SAFETY: `real` is open (the caller's contract); the buffer is `flush.bytes`.
    unsafe {
        let methods = real_methods(real);
        let (Some(write), Some(truncate)) = (methods.xWrite, methods.xTruncate) else {
            return ffi::SQLITE_IOERR_WRITE;
        };
        let Ok(len) = i64::try_from(flush.len) else { return ffi::SQLITE_IOERR_WRITE };
        for (index, chunk) in flush.bytes.chunks(UNIX_IO_CHUNK).enumerate() {
            let (Ok(amount), Ok(offset)) =
                (c_int::try_from(chunk.len()), i64::try_from(flush.offset + index * UNIX_IO_CHUNK))
            else {
                return ffi::SQLITE_IOERR_WRITE;
            };
            let code = write(real, chunk.as_ptr().cast(), amount, offset);
            if code != ffi::SQLITE_OK {
                return code;
            }
        }
        truncate(real, len)
    }
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    // SAFETY: a tracked file.
    let handle = unsafe { parts(file).0 };
    with_image(handle, ffi::SQLITE_IOERR_FSTAT, |image| match i64::try_from(image.bytes.len()) {
        Ok(len) => {
            // SAFETY: SQLite's place for the answer.
            unsafe { *size = len };
            ffi::SQLITE_OK
        }
        Err(_) => ffi::SQLITE_IOERR_FSTAT,
    })
}

unsafe extern "C" fn file_control(
    file: *mut ffi::sqlite3_file,
    operation: c_int,
    argument: *mut c_void,
) -> c_int {
    // Size hints and chunk sizes would make `unix` grow the real file
    // itself, outside the image; they are hints, so ignoring them is allowed.
    if operation == ffi::SQLITE_FCNTL_SIZE_HINT || operation == ffi::SQLITE_FCNTL_CHUNK_SIZE {
        return ffi::SQLITE_OK;
    }
    // SAFETY: a tracked file; the rest goes to the wrapped file as it came.
    unsafe {
        let real = real_of(file);
        match real_methods(real).xFileControl {
            Some(control) => control(real, operation, argument),
            None => ffi::SQLITE_NOTFOUND,
        }
    }
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: a tracked file.
    let characteristics = unsafe {
        let real = real_of(file);
        real_methods(real).xDeviceCharacteristics.map_or(0, |characteristics| characteristics(real))
    };
    // A cut loses a file's pending writes whole, never part of one, so
    // writing a sector harms no other (power-safe overwrite); nothing else
    // `unix` may claim (atomic or sequential writes) holds here.
    characteristics & ffi::SQLITE_IOCAP_POWERSAFE_OVERWRITE
}

/// Methods that go to the wrapped `unix` file unchanged: locks, the sector
/// size and the WAL's shared memory.
macro_rules! forwarded {
    ($name:ident => $method:ident ( $($argument:ident : $kind:ty),* ) or $missing:expr) => {
        unsafe extern "C" fn $name(file: *mut ffi::sqlite3_file $(, $argument: $kind)*) -> c_int {
            // SAFETY: a tracked file, whose wrapped `unix` file is open; the
            // arguments go to it as SQLite passed them.
            unsafe {
                let real = real_of(file);
                match real_methods(real).$method {
                    Some(method) => method(real $(, $argument)*),
                    None => $missing,
                }
            }
        }
    };
}

forwarded!(lock_file => xLock(level: c_int) or ffi::SQLITE_IOERR_LOCK);
forwarded!(unlock_file => xUnlock(level: c_int) or ffi::SQLITE_IOERR_UNLOCK);
forwarded!(check_reserved_lock => xCheckReservedLock(result: *mut c_int) or ffi::SQLITE_IOERR_CHECKRESERVEDLOCK);
forwarded!(sector_size => xSectorSize() or 4096);
forwarded!(shm_map => xShmMap(region: c_int, size: c_int, extend: c_int, address: *mut *mut c_void) or ffi::SQLITE_IOERR_SHMMAP);
forwarded!(shm_lock => xShmLock(offset: c_int, n: c_int, flags: c_int) or ffi::SQLITE_IOERR_SHMLOCK);
forwarded!(shm_unmap => xShmUnmap(delete: c_int) or ffi::SQLITE_OK);

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: a tracked file, whose wrapped `unix` file is open.
    unsafe {
        let real = real_of(file);
        if let Some(barrier) = real_methods(real).xShmBarrier {
            barrier(real);
        }
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::{Connection, OpenFlags};

    use super::*;

    /// Replays `image`'s pending flush onto `disk` (the real file's bytes).
    fn apply(disk: &mut Vec<u8>, image: &Image) {
        if let Some(flush) = image.pending() {
            if disk.len() < flush.offset + flush.bytes.len() {
                disk.resize(flush.offset + flush.bytes.len(), 0);
            }
            disk[flush.offset..flush.offset + flush.bytes.len()].copy_from_slice(flush.bytes);
            disk.resize(flush.len, 0);
        }
    }

    /// Whatever mix of writes, extensions and truncations, a sync leaves the
    /// real file equal to the image; before it the real file is unchanged.
    #[test]
    fn a_flush_makes_the_real_file_equal_to_the_image() {
        type Step = fn(&mut Image);
        let steps: [(&str, Step); 6] = [
            ("write inside", |image| image.write(2, b"ab")),
            ("write past the end", |image| image.write(30, b"xyz")),
            ("truncate shorter", |image| image.truncate(5)),
            ("truncate longer", |image| image.truncate(12)),
            ("truncate to nothing", |image| image.truncate(0)),
            ("append", |image| {
                let len = image.bytes.len();
                image.write(len, b"tail")
            }),
        ];
        for first in &steps {
            for second in &steps {
                for third in &steps {
                    let original: Vec<u8> = (0..20).collect();
                    let mut image = Image::synced(original.clone());
                    for (_, step) in [first, second, third] {
                        step(&mut image);
                    }
                    let mut disk = original.clone();
                    apply(&mut disk, &image);
                    let names = [first.0, second.0, third.0];
                    assert_eq!(disk, image.bytes, "{names:?}");
                    image.mark_synced();
                    assert_eq!(image.pending(), None, "{names:?}");
                }
            }
        }
    }

    #[test]
    fn reads_past_the_end_are_short_and_zero_filled() {
        let image = Image::synced(b"abcdef".to_vec());
        let mut out = [9_u8; 4];
        assert!(image.read(1, &mut out));
        assert_eq!(&out, b"bcde");
        assert!(!image.read(4, &mut out));
        assert_eq!(&out, b"ef\0\0");
        assert!(!image.read(100, &mut out));
        assert_eq!(out, [0; 4]);
    }

    /// A connection in `directory` (through the default VFS, as the product opens its stores).
    fn connect(directory: &Path, journal_mode: &str, synchronous: &str) -> Connection {
        let connection = Connection::open(directory.join("test.db")).unwrap();
        let mode: String = connection
            .query_row(&format!("PRAGMA journal_mode = {journal_mode}"), [], |row| row.get(0))
            .unwrap();
        assert!(mode.eq_ignore_ascii_case(journal_mode), "{mode}");
        connection.pragma_update(None, "synchronous", synchronous).unwrap();
        connection
    }

    /// The rows of table `t` as a reopened database shows them, through
    /// `unix` itself, with SQLite's integrity check.
    fn rows_after_reopening(directory: &Path) -> Vec<String> {
        let connection = Connection::open_with_flags_and_vfs(
            directory.join("test.db"),
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            c"unix",
        )
        .unwrap();
        let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
        assert_eq!(integrity, "ok");
        let exists: i64 = connection
            .query_row("SELECT count(*) FROM sqlite_master WHERE name = 't'", [], |row| row.get(0))
            .unwrap();
        if exists == 0 {
            return Vec::new();
        }
        let mut statement = connection.prepare("SELECT v FROM t ORDER BY rowid").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
    }

    fn files_contain(directory: &Path, needle: &[u8]) -> bool {
        std::fs::read_dir(directory).unwrap().any(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            bytes.windows(needle.len()).any(|window| window == needle)
        })
    }

    /// A commit that is not synced is read back by the connection (and by
    /// another one) but is on no file on disk; the next synced commit writes
    /// it through.
    #[test]
    fn a_write_reaches_the_disk_only_when_synced() {
        let directory = tempfile::tempdir().unwrap();
        let disk = PowerCutDirectory::new(directory.path()).unwrap();
        let writer = connect(directory.path(), "wal", "OFF");
        let syncs_before = disk.syncs();
        writer.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('canary-1');").unwrap();
        let reader = Connection::open(directory.path().join("test.db")).unwrap();
        let seen: String = reader.query_row("SELECT v FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(seen, "canary-1", "a second connection reads the pending write");
        assert!(!files_contain(directory.path(), b"canary-1"), "written through before a sync");
        assert_eq!(disk.syncs(), syncs_before);

        writer.pragma_update(None, "synchronous", "FULL").unwrap();
        writer.execute("INSERT INTO t VALUES ('canary-2')", []).unwrap();
        assert!(disk.syncs() > syncs_before);
        assert!(files_contain(directory.path(), b"canary-1"), "the WAL's sync wrote the earlier commit too");
        assert!(files_contain(directory.path(), b"canary-2"));
    }

    /// A cut loses every commit made since the last sync, and nothing before
    /// it; after it the connection can neither read nor write.
    #[test]
    fn a_cut_loses_what_was_not_synced() {
        for journal_mode in ["wal", "delete"] {
            let directory = tempfile::tempdir().unwrap();
            let disk = PowerCutDirectory::new(directory.path()).unwrap();
            let connection = connect(directory.path(), journal_mode, "FULL");
            connection.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('synced');").unwrap();
            connection.pragma_update(None, "synchronous", "OFF").unwrap();
            connection.execute("INSERT INTO t VALUES ('not synced')", []).unwrap();
            disk.cut();
            assert!(disk.was_cut());
            assert!(
                connection.execute("INSERT INTO t VALUES ('after the cut')", []).is_err(),
                "{journal_mode}"
            );
            drop(connection);
            drop(disk);
            assert_eq!(rows_after_reopening(directory.path()), ["synced"], "{journal_mode}");
        }
    }

    /// A cut at each sync of one commit in turn leaves the commit whole or
    /// absent, and every earlier commit in place; the cut sync fails the
    /// commit. In WAL mode with its shared memory, and with a rollback
    /// journal, whose commit is the journal's deletion.
    #[test]
    fn a_cut_at_each_sync_of_a_commit_leaves_it_whole_or_absent() {
        for journal_mode in ["wal", "delete"] {
            let mut k = 1;
            loop {
                let directory = tempfile::tempdir().unwrap();
                let disk = PowerCutDirectory::new(directory.path()).unwrap();
                let connection = connect(directory.path(), journal_mode, "FULL");
                connection.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('first');").unwrap();
                disk.cut_at_sync(k);
                let committed = connection.execute_batch(
                    "BEGIN; INSERT INTO t VALUES ('second a'); INSERT INTO t VALUES ('second b'); COMMIT;",
                );
                let cut = disk.was_cut();
                assert_eq!(committed.is_err(), cut, "{journal_mode}, sync {k}: an interrupted commit fails");
                drop(connection);
                drop(disk);
                let rows = rows_after_reopening(directory.path());
                assert!(
                    rows == ["first"] || rows == ["first", "second a", "second b"],
                    "{journal_mode}, cut at sync {k}: {rows:?}"
                );
                if !cut {
                    assert_eq!(rows, ["first", "second a", "second b"]);
                    assert!(k > 1, "{journal_mode}: a commit with synchronous=FULL syncs");
                    break;
                }
                k += 1;
            }
        }
    }

    /// A checkpoint that truncates the WAL: SQLite does not sync the
    /// truncation, so the WAL on disk keeps its frames (harmless: the
    /// database file was synced first) until the next commit's sync writes
    /// the truncated WAL through. A cut then keeps every row.
    #[test]
    fn a_truncation_waits_for_a_sync_like_a_write() {
        let directory = tempfile::tempdir().unwrap();
        let disk = PowerCutDirectory::new(directory.path()).unwrap();
        let connection = connect(directory.path(), "wal", "FULL");
        connection.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept');").unwrap();
        let wal = directory.path().join("test.db-wal");
        let wal_len = || std::fs::metadata(&wal).unwrap().len();
        let before = wal_len();
        assert!(before > 0);
        let busy: i64 =
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0)).unwrap();
        assert_eq!(busy, 0);
        assert_eq!(wal_len(), before, "the truncation is not synced yet");
        let wal_image_len: i64 = {
            let state = lock(&disk.disk.state);
            state.files.get(&std::fs::canonicalize(&wal).unwrap()).unwrap().bytes.len() as i64
        };
        assert_eq!(wal_image_len, 0, "the connection sees an empty WAL");
        connection.execute("INSERT INTO t VALUES ('after')", []).unwrap();
        assert!(wal_len() < before, "the commit's sync wrote the truncated WAL through");
        disk.cut();
        drop(connection);
        drop(disk);
        assert_eq!(rows_after_reopening(directory.path()), ["kept", "after"]);
    }

    /// A file far larger than one `unix` read or write (128 KiB) is written
    /// through at a sync and read back whole when a new disk loads it.
    #[test]
    fn large_files_are_written_and_read_in_pieces() {
        let directory = tempfile::tempdir().unwrap();
        let disk = PowerCutDirectory::new(directory.path()).unwrap();
        let connection = connect(directory.path(), "wal", "FULL");
        connection
            .execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES (hex(randomblob(200000)));")
            .unwrap();
        let busy: i64 =
            connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0)).unwrap();
        assert_eq!(busy, 0);
        drop(connection);
        drop(disk);
        assert!(std::fs::metadata(directory.path().join("test.db")).unwrap().len() > 400_000);
        let disk = PowerCutDirectory::new(directory.path()).unwrap();
        let connection = Connection::open(directory.path().join("test.db")).unwrap();
        let len: i64 = connection.query_row("SELECT length(v) FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(len, 400_000);
        connection.execute("UPDATE t SET v = v || 'more'", []).unwrap();
        disk.cut();
        drop(connection);
        drop(disk);
        let connection = Connection::open(directory.path().join("test.db")).unwrap();
        let integrity: String = connection.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
        assert_eq!(integrity, "ok");
        let len: i64 = connection.query_row("SELECT length(v) FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(len, 400_004, "the update's commit was synced before the cut");
    }

    /// Files outside every power-cut directory are `unix`'s own: a commit
    /// without a sync is on disk at once.
    #[test]
    fn files_elsewhere_are_written_as_usual() {
        let elsewhere = tempfile::tempdir().unwrap();
        let cut_directory = tempfile::tempdir().unwrap();
        let _disk = PowerCutDirectory::new(cut_directory.path()).unwrap();
        let connection = connect(elsewhere.path(), "wal", "OFF");
        connection.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('elsewhere');").unwrap();
        assert!(files_contain(elsewhere.path(), b"elsewhere"));
        assert!(PowerCutDirectory::new(cut_directory.path()).is_err(), "one disk per directory");
    }
}
