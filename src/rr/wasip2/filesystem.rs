//! `wasi:filesystem` under record/replay: preopens, descriptors and
//! directory entry streams.
//!
//! Every descriptor method is recorded with its arguments (paths, offsets,
//! lengths, flags, bytes written, the descriptors it is given) and its
//! result or error code. A replay touches no file: the preopens, the
//! descriptors `open-at` opens, the directory streams and the file streams
//! are stand-ins with the recorded handle numbers, and every method on them
//! is served from the trace. File streams are stdio's streams: their reads
//! and writes are the stream functions' events.

use super::values::{Made, W, Wire};
use super::{Mode, P2, StandIn, borrowed, func};
use wasmtime::component::Resource;
use wasmtime_wasi::filesystem::WasiFilesystemCtxView;
use wasmtime_wasi::p2::bindings::filesystem::preopens;
use wasmtime_wasi::p2::bindings::filesystem::types as codes;
use wasmtime_wasi::p2::bindings::sync::filesystem::types as fs;
use wasmtime_wasi::p2::bindings::sync::io::streams;
use wasmtime_wasi::p2::{DynInputStream, DynOutputStream, FsError, FsResult};

/// Error codes by their WIT names (`FsError` holds the async bindings' type).
const ERROR_CODES: [codes::ErrorCode; 37] = {
    use codes::ErrorCode::*;
    [
        Access, WouldBlock, Already, BadDescriptor, Busy, Deadlock, Quota, Exist, FileTooLarge,
        IllegalByteSequence, InProgress, Interrupted, Invalid, Io, IsDirectory, Loop, TooManyLinks, MessageSize,
        NameTooLong, NoDevice, NoEntry, NoLock, InsufficientMemory, InsufficientSpace, NotDirectory, NotEmpty,
        NotRecoverable, Unsupported, NoTty, NoSuchDevice, Overflow, NotPermitted, Pipe, ReadOnly, InvalidSeek,
        TextFileBusy, CrossDevice,
    ]
};

fn error_code(name: &str) -> Option<codes::ErrorCode> {
    ERROR_CODES.into_iter().find(|code| code.name() == name)
}

const DESCRIPTOR_TYPES: [(fs::DescriptorType, &str); 8] = {
    use fs::DescriptorType::*;
    [
        (Unknown, "unknown"),
        (BlockDevice, "block-device"),
        (CharacterDevice, "character-device"),
        (Directory, "directory"),
        (Fifo, "fifo"),
        (SymbolicLink, "symbolic-link"),
        (RegularFile, "regular-file"),
        (Socket, "socket"),
    ]
};

const DESCRIPTOR_FLAGS: [(fs::DescriptorFlags, &str); 6] = [
    (fs::DescriptorFlags::READ, "read"),
    (fs::DescriptorFlags::WRITE, "write"),
    (fs::DescriptorFlags::FILE_INTEGRITY_SYNC, "file-integrity-sync"),
    (fs::DescriptorFlags::DATA_INTEGRITY_SYNC, "data-integrity-sync"),
    (fs::DescriptorFlags::REQUESTED_WRITE_SYNC, "requested-write-sync"),
    (fs::DescriptorFlags::MUTATE_DIRECTORY, "mutate-directory"),
];

impl Wire for fs::DescriptorType {
    fn to_w(&self) -> W {
        let name = DESCRIPTOR_TYPES.iter().find(|(t, _)| t == self).map_or("unknown", |(_, n)| n);
        W::Enum(name.to_string())
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Enum(name) => DESCRIPTOR_TYPES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t),
            _ => None,
        }
    }
}

impl Wire for fs::DescriptorFlags {
    fn to_w(&self) -> W {
        W::Flags(DESCRIPTOR_FLAGS.iter().filter(|(f, _)| self.contains(*f)).map(|(_, n)| n.to_string()).collect())
    }
    fn from_w(w: W) -> Option<Self> {
        let W::Flags(names) = w else { return None };
        names.iter().try_fold(fs::DescriptorFlags::empty(), |flags, name| {
            DESCRIPTOR_FLAGS.iter().find(|(_, n)| n == name).map(|(f, _)| flags | *f)
        })
    }
}

impl Wire for Option<wasmtime_wasi::p2::bindings::clocks::wall_clock::Datetime> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|t| Box::new(t.to_w())))
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(t)) => Some(Some(Wire::from_w(*t)?)),
            _ => None,
        }
    }
}

impl Wire for fs::DescriptorStat {
    fn to_w(&self) -> W {
        W::Record(vec![
            ("type".into(), self.type_.to_w()),
            ("link-count".into(), W::U64(self.link_count)),
            ("size".into(), W::U64(self.size)),
            ("data-access-timestamp".into(), self.data_access_timestamp.to_w()),
            ("data-modification-timestamp".into(), self.data_modification_timestamp.to_w()),
            ("status-change-timestamp".into(), self.status_change_timestamp.to_w()),
        ])
    }
    fn from_w(w: W) -> Option<Self> {
        let W::Record(fields) = w else { return None };
        let [ty, links, size, access, modification, change]: [(String, W); 6] = fields.try_into().ok()?;
        Some(fs::DescriptorStat {
            type_: Wire::from_w(ty.1)?,
            link_count: u64::from_w(links.1)?,
            size: u64::from_w(size.1)?,
            data_access_timestamp: Wire::from_w(access.1)?,
            data_modification_timestamp: Wire::from_w(modification.1)?,
            status_change_timestamp: Wire::from_w(change.1)?,
        })
    }
}

impl Wire for fs::MetadataHashValue {
    fn to_w(&self) -> W {
        W::Record(vec![("lower".into(), W::U64(self.lower)), ("upper".into(), W::U64(self.upper))])
    }
    fn from_w(w: W) -> Option<Self> {
        let W::Record(fields) = w else { return None };
        let [lower, upper]: [(String, W); 2] = fields.try_into().ok()?;
        Some(fs::MetadataHashValue { lower: u64::from_w(lower.1)?, upper: u64::from_w(upper.1)? })
    }
}

impl Wire for Option<fs::DirectoryEntry> {
    fn to_w(&self) -> W {
        W::Option(self.as_ref().map(|entry| {
            Box::new(W::Record(vec![("type".into(), entry.type_.to_w()), ("name".into(), W::Str(entry.name.clone()))]))
        }))
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(entry)) => {
                let W::Record(fields) = *entry else { return None };
                let [ty, name]: [(String, W); 2] = fields.try_into().ok()?;
                Some(Some(fs::DirectoryEntry { type_: Wire::from_w(ty.1)?, name: String::from_w(name.1)? }))
            }
            _ => None,
        }
    }
}

impl Wire for (Vec<u8>, bool) {
    fn to_w(&self) -> W {
        W::Tuple(vec![W::Bytes(self.0.clone()), W::Bool(self.1)])
    }
    fn from_w(w: W) -> Option<Self> {
        let W::Tuple(pair) = w else { return None };
        let [bytes, end]: [W; 2] = pair.try_into().ok()?;
        Some((Vec::from_w(bytes)?, bool::from_w(end)?))
    }
}

impl Wire for Option<fs::ErrorCode> {
    fn to_w(&self) -> W {
        W::Option(self.map(|code| Box::new(W::Enum(code.name().to_string()))))
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Option(None) => Some(None),
            W::Option(Some(code)) => match *code {
                W::Enum(name) => Some(Some(error_code(&name)?.into())),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What a filesystem operation returns, as the trace keeps it: its value
/// or its error code (a trap is the event's outcome instead).
enum Filed<T> {
    Done(T),
    Code(codes::ErrorCode),
}

impl<T: Wire> Wire for Filed<T> {
    fn to_w(&self) -> W {
        match self {
            Filed::Done(v) => W::Result(true, Some(Box::new(v.to_w()))),
            Filed::Code(code) => W::Result(false, Some(Box::new(W::Enum(code.name().to_string())))),
        }
    }
    fn from_w(w: W) -> Option<Self> {
        match w {
            W::Result(true, Some(v)) => Some(Filed::Done(T::from_w(*v)?)),
            W::Result(false, Some(code)) => match *code {
                W::Enum(name) => Some(Filed::Code(error_code(&name)?)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// An error code as the filesystem functions return it; anything else is a trap.
fn filed<T>(result: FsResult<T>) -> wasmtime::Result<Filed<T>> {
    match result {
        Ok(value) => Ok(Filed::Done(value)),
        Err(error) => error.downcast().map(Filed::Code),
    }
}

fn unfiled<T>(result: wasmtime::Result<Filed<T>>) -> FsResult<T> {
    match result {
        Ok(Filed::Done(value)) => Ok(value),
        Ok(Filed::Code(code)) => Err(FsError::from(code)),
        Err(trap) => Err(FsError::trap(trap)),
    }
}

fn path(path: &str) -> W {
    W::Str(path.to_string())
}

fn path_flags(flags: fs::PathFlags) -> W {
    W::Flags(match flags.contains(fs::PathFlags::SYMLINK_FOLLOW) {
        true => vec!["symlink-follow".to_string()],
        false => Vec::new(),
    })
}

fn open_flags(flags: fs::OpenFlags) -> W {
    let names = [
        (fs::OpenFlags::CREATE, "create"),
        (fs::OpenFlags::DIRECTORY, "directory"),
        (fs::OpenFlags::EXCLUSIVE, "exclusive"),
        (fs::OpenFlags::TRUNCATE, "truncate"),
    ];
    W::Flags(names.iter().filter(|(f, _)| flags.contains(*f)).map(|(_, n)| n.to_string()).collect())
}

fn timestamp(time: &fs::NewTimestamp) -> W {
    match time {
        fs::NewTimestamp::NoChange => W::Variant("no-change".into(), None),
        fs::NewTimestamp::Now => W::Variant("now".into(), None),
        fs::NewTimestamp::Timestamp(t) => W::Variant("timestamp".into(), Some(Box::new(t.to_w()))),
    }
}

impl P2<'_> {
    fn filesystem(&mut self) -> WasiFilesystemCtxView<'_> {
        WasiFilesystemCtxView { ctx: self.view.ctx.filesystem(), table: self.view.table }
    }

    /// A filesystem operation whose result the trace holds as is.
    fn fs<T: Wire>(&mut self, func: u16, args: &[W], real: impl FnOnce(&mut Self) -> FsResult<T>) -> FsResult<T> {
        unfiled(self.call::<Filed<T>>(func, args, |p2| filed(real(p2))))
    }

    /// A filesystem operation that makes a resource (a descriptor, a stream):
    /// a replay makes a stand-in `S` with the recorded handle number.
    fn fs_make<T: 'static, S: Send + 'static>(
        &mut self,
        func: u16,
        args: &[W],
        real: impl FnOnce(&mut Self) -> FsResult<Resource<T>>,
        stand_in: impl FnOnce() -> S,
    ) -> FsResult<Resource<T>> {
        let made = self.call_with::<Filed<Made>, Filed<Made>>(
            func,
            args,
            |p2| Ok(filed(real(p2))?.map(|resource| Made(resource.rep()))),
            |p2, recorded| match recorded {
                Filed::Done(Made(rep)) => p2.stand_in(rep, stand_in()).map(|made| Filed::Done(Made(made.rep()))),
                Filed::Code(code) => Ok(Filed::Code(code)),
            },
        );
        unfiled(made).map(|Made(rep)| Resource::new_own(rep))
    }

    /// Drops a resource the guest owns: on a replay it is a stand-in.
    fn drop_made<T: 'static>(&mut self, resource: Resource<T>, real: impl FnOnce(&mut Self, Resource<T>) -> wasmtime::Result<()>) -> wasmtime::Result<()> {
        match self.mode() {
            Mode::Replay(_) => {
                self.table().delete(Resource::<StandIn>::new_own(resource.rep()))?;
                Ok(())
            }
            _ => real(self, resource),
        }
    }
}

impl<T> Filed<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Filed<U> {
        match self {
            Filed::Done(value) => Filed::Done(f(value)),
            Filed::Code(code) => Filed::Code(code),
        }
    }
}

type Descriptor = Resource<fs::Descriptor>;

impl preopens::Host for P2<'_> {
    fn get_directories(&mut self) -> wasmtime::Result<Vec<(Descriptor, String)>> {
        let real = |p2: &mut Self| preopens::Host::get_directories(&mut p2.filesystem());
        let recorded = self.call_with::<Vec<(Made, String)>, Vec<(Made, String)>>(
            func::PREOPENS,
            &[],
            |p2| Ok(real(p2)?.into_iter().map(|(dir, name)| (Made(dir.rep()), name)).collect()),
            |p2, recorded| {
                recorded
                    .into_iter()
                    .map(|(Made(rep), name)| Ok((Made(p2.stand_in(rep, StandIn)?.rep()), name)))
                    .collect()
            },
        )?;
        Ok(recorded.into_iter().map(|(Made(rep), name)| (Resource::new_own(rep), name)).collect())
    }
}

impl Wire for Vec<(Made, String)> {
    fn to_w(&self) -> W {
        W::List(self.iter().map(|(made, name)| W::Tuple(vec![made.to_w(), W::Str(name.clone())])).collect())
    }
    fn from_w(w: W) -> Option<Self> {
        let W::List(items) = w else { return None };
        items
            .into_iter()
            .map(|item| {
                let W::Tuple(pair) = item else { return None };
                let [made, name]: [W; 2] = pair.try_into().ok()?;
                Some((Made::from_w(made)?, String::from_w(name)?))
            })
            .collect()
    }
}

impl fs::Host for P2<'_> {
    fn convert_error_code(&mut self, err: FsError) -> wasmtime::Result<fs::ErrorCode> {
        fs::Host::convert_error_code(&mut self.filesystem(), err)
    }
    fn filesystem_error_code(&mut self, err: Resource<streams::Error>) -> wasmtime::Result<Option<fs::ErrorCode>> {
        let args = [borrowed(&err)];
        self.call(func::FILESYSTEM_ERROR_CODE, &args, |p2| fs::Host::filesystem_error_code(&mut p2.filesystem(), err))
    }
}

impl fs::HostDescriptor for P2<'_> {
    fn advise(&mut self, fd: Descriptor, offset: u64, len: u64, advice: fs::Advice) -> FsResult<()> {
        let args = [borrowed(&fd), W::U64(offset), W::U64(len), W::Enum(format!("{advice:?}"))];
        self.fs(func::ADVISE, &args, |p2| fs::HostDescriptor::advise(&mut p2.filesystem(), fd, offset, len, advice))
    }
    fn sync_data(&mut self, fd: Descriptor) -> FsResult<()> {
        let args = [borrowed(&fd)];
        self.fs(func::SYNC_DATA, &args, |p2| fs::HostDescriptor::sync_data(&mut p2.filesystem(), fd))
    }
    fn get_flags(&mut self, fd: Descriptor) -> FsResult<fs::DescriptorFlags> {
        let args = [borrowed(&fd)];
        self.fs(func::GET_FLAGS, &args, |p2| fs::HostDescriptor::get_flags(&mut p2.filesystem(), fd))
    }
    fn get_type(&mut self, fd: Descriptor) -> FsResult<fs::DescriptorType> {
        let args = [borrowed(&fd)];
        self.fs(func::GET_TYPE, &args, |p2| fs::HostDescriptor::get_type(&mut p2.filesystem(), fd))
    }
    fn set_size(&mut self, fd: Descriptor, size: u64) -> FsResult<()> {
        let args = [borrowed(&fd), W::U64(size)];
        self.fs(func::SET_SIZE, &args, |p2| fs::HostDescriptor::set_size(&mut p2.filesystem(), fd, size))
    }
    fn set_times(&mut self, fd: Descriptor, atim: fs::NewTimestamp, mtim: fs::NewTimestamp) -> FsResult<()> {
        let args = [borrowed(&fd), timestamp(&atim), timestamp(&mtim)];
        self.fs(func::SET_TIMES, &args, |p2| fs::HostDescriptor::set_times(&mut p2.filesystem(), fd, atim, mtim))
    }
    fn read(&mut self, fd: Descriptor, len: u64, offset: u64) -> FsResult<(Vec<u8>, bool)> {
        let args = [borrowed(&fd), W::U64(len), W::U64(offset)];
        self.fs(func::READ_AT, &args, |p2| fs::HostDescriptor::read(&mut p2.filesystem(), fd, len, offset))
    }
    fn write(&mut self, fd: Descriptor, buf: Vec<u8>, offset: u64) -> FsResult<u64> {
        let args = [borrowed(&fd), W::Bytes(buf.clone()), W::U64(offset)];
        self.fs(func::WRITE_AT, &args, |p2| fs::HostDescriptor::write(&mut p2.filesystem(), fd, buf, offset))
    }
    fn read_directory(&mut self, fd: Descriptor) -> FsResult<Resource<fs::DirectoryEntryStream>> {
        let args = [borrowed(&fd)];
        self.fs_make(func::READ_DIRECTORY, &args, |p2| fs::HostDescriptor::read_directory(&mut p2.filesystem(), fd), || StandIn)
    }
    fn sync(&mut self, fd: Descriptor) -> FsResult<()> {
        let args = [borrowed(&fd)];
        self.fs(func::SYNC, &args, |p2| fs::HostDescriptor::sync(&mut p2.filesystem(), fd))
    }
    fn create_directory_at(&mut self, fd: Descriptor, at: String) -> FsResult<()> {
        let args = [borrowed(&fd), path(&at)];
        self.fs(func::CREATE_DIRECTORY_AT, &args, |p2| fs::HostDescriptor::create_directory_at(&mut p2.filesystem(), fd, at))
    }
    fn stat(&mut self, fd: Descriptor) -> FsResult<fs::DescriptorStat> {
        let args = [borrowed(&fd)];
        self.fs(func::STAT, &args, |p2| fs::HostDescriptor::stat(&mut p2.filesystem(), fd))
    }
    fn stat_at(&mut self, fd: Descriptor, flags: fs::PathFlags, at: String) -> FsResult<fs::DescriptorStat> {
        let args = [borrowed(&fd), path_flags(flags), path(&at)];
        self.fs(func::STAT_AT, &args, |p2| fs::HostDescriptor::stat_at(&mut p2.filesystem(), fd, flags, at))
    }
    fn set_times_at(
        &mut self,
        fd: Descriptor,
        flags: fs::PathFlags,
        at: String,
        atim: fs::NewTimestamp,
        mtim: fs::NewTimestamp,
    ) -> FsResult<()> {
        let args = [borrowed(&fd), path_flags(flags), path(&at), timestamp(&atim), timestamp(&mtim)];
        self.fs(func::SET_TIMES_AT, &args, |p2| {
            fs::HostDescriptor::set_times_at(&mut p2.filesystem(), fd, flags, at, atim, mtim)
        })
    }
    fn link_at(&mut self, fd: Descriptor, flags: fs::PathFlags, old: String, new_fd: Descriptor, new: String) -> FsResult<()> {
        let args = [borrowed(&fd), path_flags(flags), path(&old), borrowed(&new_fd), path(&new)];
        self.fs(func::LINK_AT, &args, |p2| fs::HostDescriptor::link_at(&mut p2.filesystem(), fd, flags, old, new_fd, new))
    }
    fn open_at(
        &mut self,
        fd: Descriptor,
        flags: fs::PathFlags,
        at: String,
        oflags: fs::OpenFlags,
        dflags: fs::DescriptorFlags,
    ) -> FsResult<Descriptor> {
        let args = [borrowed(&fd), path_flags(flags), path(&at), open_flags(oflags), dflags.to_w()];
        self.fs_make(
            func::OPEN_AT,
            &args,
            |p2| fs::HostDescriptor::open_at(&mut p2.filesystem(), fd, flags, at, oflags, dflags),
            || StandIn,
        )
    }
    fn drop(&mut self, fd: Descriptor) -> wasmtime::Result<()> {
        self.drop_made(fd, |p2, fd| fs::HostDescriptor::drop(&mut p2.filesystem(), fd))
    }
    fn readlink_at(&mut self, fd: Descriptor, at: String) -> FsResult<String> {
        let args = [borrowed(&fd), path(&at)];
        self.fs(func::READLINK_AT, &args, |p2| fs::HostDescriptor::readlink_at(&mut p2.filesystem(), fd, at))
    }
    fn remove_directory_at(&mut self, fd: Descriptor, at: String) -> FsResult<()> {
        let args = [borrowed(&fd), path(&at)];
        self.fs(func::REMOVE_DIRECTORY_AT, &args, |p2| fs::HostDescriptor::remove_directory_at(&mut p2.filesystem(), fd, at))
    }
    fn rename_at(&mut self, fd: Descriptor, old: String, new_fd: Descriptor, new: String) -> FsResult<()> {
        let args = [borrowed(&fd), path(&old), borrowed(&new_fd), path(&new)];
        self.fs(func::RENAME_AT, &args, |p2| fs::HostDescriptor::rename_at(&mut p2.filesystem(), fd, old, new_fd, new))
    }
    fn symlink_at(&mut self, fd: Descriptor, old: String, new: String) -> FsResult<()> {
        let args = [borrowed(&fd), path(&old), path(&new)];
        self.fs(func::SYMLINK_AT, &args, |p2| fs::HostDescriptor::symlink_at(&mut p2.filesystem(), fd, old, new))
    }
    fn unlink_file_at(&mut self, fd: Descriptor, at: String) -> FsResult<()> {
        let args = [borrowed(&fd), path(&at)];
        self.fs(func::UNLINK_FILE_AT, &args, |p2| fs::HostDescriptor::unlink_file_at(&mut p2.filesystem(), fd, at))
    }
    fn read_via_stream(&mut self, fd: Descriptor, offset: u64) -> FsResult<Resource<DynInputStream>> {
        let args = [borrowed(&fd), W::U64(offset)];
        self.fs_make(
            func::READ_VIA_STREAM,
            &args,
            |p2| fs::HostDescriptor::read_via_stream(&mut p2.filesystem(), fd, offset),
            || Box::new(StandIn) as DynInputStream,
        )
    }
    fn write_via_stream(&mut self, fd: Descriptor, offset: u64) -> FsResult<Resource<DynOutputStream>> {
        let args = [borrowed(&fd), W::U64(offset)];
        self.fs_make(
            func::WRITE_VIA_STREAM,
            &args,
            |p2| fs::HostDescriptor::write_via_stream(&mut p2.filesystem(), fd, offset),
            || Box::new(StandIn) as DynOutputStream,
        )
    }
    fn append_via_stream(&mut self, fd: Descriptor) -> FsResult<Resource<DynOutputStream>> {
        let args = [borrowed(&fd)];
        self.fs_make(
            func::APPEND_VIA_STREAM,
            &args,
            |p2| fs::HostDescriptor::append_via_stream(&mut p2.filesystem(), fd),
            || Box::new(StandIn) as DynOutputStream,
        )
    }
    fn is_same_object(&mut self, a: Descriptor, b: Descriptor) -> wasmtime::Result<bool> {
        let args = [borrowed(&a), borrowed(&b)];
        self.call(func::IS_SAME_OBJECT, &args, |p2| fs::HostDescriptor::is_same_object(&mut p2.filesystem(), a, b))
    }
    fn metadata_hash(&mut self, fd: Descriptor) -> FsResult<fs::MetadataHashValue> {
        let args = [borrowed(&fd)];
        self.fs(func::METADATA_HASH, &args, |p2| fs::HostDescriptor::metadata_hash(&mut p2.filesystem(), fd))
    }
    fn metadata_hash_at(&mut self, fd: Descriptor, flags: fs::PathFlags, at: String) -> FsResult<fs::MetadataHashValue> {
        let args = [borrowed(&fd), path_flags(flags), path(&at)];
        self.fs(func::METADATA_HASH_AT, &args, |p2| {
            fs::HostDescriptor::metadata_hash_at(&mut p2.filesystem(), fd, flags, at)
        })
    }
}

impl fs::HostDirectoryEntryStream for P2<'_> {
    fn read_directory_entry(&mut self, stream: Resource<fs::DirectoryEntryStream>) -> FsResult<Option<fs::DirectoryEntry>> {
        let args = [borrowed(&stream)];
        self.fs(func::READ_DIRECTORY_ENTRY, &args, |p2| {
            fs::HostDirectoryEntryStream::read_directory_entry(&mut p2.filesystem(), stream)
        })
    }
    fn drop(&mut self, stream: Resource<fs::DirectoryEntryStream>) -> wasmtime::Result<()> {
        self.drop_made(stream, |p2, stream| fs::HostDirectoryEntryStream::drop(&mut p2.filesystem(), stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_its_own_name_and_reads_back() {
        for code in ERROR_CODES {
            assert_eq!(error_code(code.name()).map(|c| c.name()), Some(code.name()));
        }
        assert!(error_code("no-such-code").is_none());
        let flags = fs::DescriptorFlags::READ | fs::DescriptorFlags::MUTATE_DIRECTORY;
        let back = fs::DescriptorFlags::from_w(flags.to_w()).unwrap();
        assert!(back.contains(fs::DescriptorFlags::READ) && back.contains(fs::DescriptorFlags::MUTATE_DIRECTORY));
        assert!(!back.contains(fs::DescriptorFlags::WRITE));
        assert!(fs::DescriptorFlags::from_w(W::Flags(vec!["bogus".into()])).is_none());
        for (ty, name) in DESCRIPTOR_TYPES {
            assert_eq!(ty.to_w(), W::Enum(name.to_string()));
            assert!(fs::DescriptorType::from_w(W::Enum(name.to_string())) == Some(ty));
        }
    }
}
