//! Fetching a model's files from the URL its registry record names.
//!
//! The URL comes from chain state, so it is treated as hostile:
//!
//! - What is fetched is checked by the caller (the ONNX bytes against the
//!   content hash, the proving key against the registered verifying key,
//!   ceremony files against their recorded hashes), so a mirror or a plain
//!   `http://` address cannot make a provider run or prove anything else.
//! - `file://` reads only inside the operator's model directory: a relative
//!   path is taken from the model directory, and the path (symbolic links
//!   resolved) must lie inside it; `..` is refused
//!   ([`FetchError::OutsideModelDirectory`]). A registry record cannot make
//!   a node read its keystore or any other local file.
//! - A download streams into a temporary file in the model directory while
//!   it is hashed ([`Download`]); nothing is held in memory, and the file
//!   takes its final name only when the caller's checks passed
//!   ([`Download::keep`]); otherwise it is deleted.
//! - Sizes are bounded by the caller's limit, and time by [`Limits`]: a
//!   connect timeout, an overall timeout, a stall timeout (no byte for that
//!   long) and a least average rate after a grace period, so a server that
//!   trickles bytes cannot hold a download open for long.

use blake2::{digest::consts::U32, Blake2b, Digest};
use std::{
	io::{Read, Write},
	path::{Component, Path, PathBuf},
	sync::atomic::{AtomicU64, Ordering},
	time::{Duration, Instant},
};

/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// How long a download may take and how slow it may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
	/// Longest wait for a TCP connection.
	pub connect: Duration,
	/// Longest a whole download may take, redirects included.
	pub total: Duration,
	/// Longest wait for the response or for the next bytes of the body.
	pub stall: Duration,
	/// After this long, the average rate since the download started must be
	/// at least [`Limits::min_rate`].
	pub grace: Duration,
	/// Least average rate after [`Limits::grace`], in bytes per second.
	pub min_rate: u64,
}

/// The limits a node uses: connect within 30 s; no 30 s without a byte;
/// after 30 s at least 256 KiB/s on average; at most an hour in all (a
/// 1 GiB proving key at the least rate takes about 68 minutes: a file that
/// large is better copied into the model directory by hand).
pub const LIMITS: Limits = Limits {
	connect: Duration::from_secs(30),
	total: Duration::from_secs(3600),
	stall: Duration::from_secs(30),
	grace: Duration::from_secs(30),
	min_rate: 256 * 1024,
};

/// Why a download failed.
#[derive(Debug, PartialEq, Eq)]
pub enum FetchError {
	/// The URL's scheme is not `file`, `http` or `https`, or it does not parse.
	BadUrl(String),
	/// A `file://` URL names a path outside the model directory (or with `..`).
	OutsideModelDirectory(String),
	/// The file is larger than allowed.
	TooLarge {
		/// The limit, in bytes.
		limit: u64,
	},
	/// The server answered with this status.
	Status(u16),
	/// The download took longer than [`Limits::total`].
	TimedOut,
	/// No byte arrived for [`Limits::stall`].
	Stalled,
	/// After [`Limits::grace`] the average rate was below [`Limits::min_rate`].
	TooSlow {
		/// The average rate, in bytes per second.
		rate: u64,
	},
	/// Reading or writing failed (I/O, network, TLS); the message says why.
	Io(String),
}

impl std::fmt::Display for FetchError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::BadUrl(url) => write!(f, "unsupported or malformed URL {url:?}"),
			Self::OutsideModelDirectory(path) => write!(f, "{path:?} is outside the model directory"),
			Self::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
			Self::Status(code) => write!(f, "HTTP status {code}"),
			Self::TimedOut => f.write_str("the download timed out"),
			Self::Stalled => f.write_str("the download stalled"),
			Self::TooSlow { rate } => write!(f, "the download is too slow ({rate} bytes/s)"),
			Self::Io(e) => f.write_str(e),
		}
	}
}

fn io(context: impl std::fmt::Display, e: impl std::fmt::Display) -> FetchError {
	FetchError::Io(format!("{context}: {e}"))
}

/// A fetched file under a temporary name in the model directory, with the
/// blake2b-256 of its bytes (the hash that names models and ceremony files).
/// Deleted when dropped, unless [`Download::keep`] gave it its final name.
#[derive(Debug)]
pub struct Download {
	path: PathBuf,
	hash: [u8; 32],
	len: u64,
}

impl Download {
	/// The blake2b-256 of the bytes.
	pub fn hash(&self) -> &[u8; 32] {
		&self.hash
	}

	/// The number of bytes.
	pub fn len(&self) -> u64 {
		self.len
	}

	/// Whether the file is empty.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// Where the temporary file is.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Reads the whole file (for files the caller bounded to a size it holds
	/// in memory anyway).
	pub fn read(&self) -> Result<Vec<u8>, FetchError> {
		std::fs::read(&self.path).map_err(|e| io(self.path.display(), e))
	}

	/// Gives the file its final name `to` (same directory: an atomic rename).
	pub fn keep(self, to: &Path) -> Result<(), FetchError> {
		std::fs::rename(&self.path, to).map_err(|e| io(to.display(), e))
		// `self` is dropped here: removing the old name finds nothing.
	}
}

impl Drop for Download {
	fn drop(&mut self) {
		let _ = std::fs::remove_file(&self.path);
	}
}

/// A temporary file being written and hashed.
struct Sink {
	file: std::fs::File,
	download: Download,
	hasher: Blake2b<U32>,
	limit: u64,
}

impl Sink {
	fn new(dir: &Path, limit: u64) -> Result<Self, FetchError> {
		static NEXT: AtomicU64 = AtomicU64::new(0);
		let name = format!(".fetch-{}-{}.partial", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
		let path = dir.join(name);
		let file = std::fs::File::create_new(&path).map_err(|e| io(path.display(), e))?;
		Ok(Sink { file, download: Download { path, hash: [0; 32], len: 0 }, hasher: Blake2b::new(), limit })
	}

	fn write(&mut self, chunk: &[u8]) -> Result<(), FetchError> {
		let len = self.download.len.saturating_add(chunk.len() as u64);
		if len > self.limit {
			return Err(FetchError::TooLarge { limit: self.limit });
		}
		self.file.write_all(chunk).map_err(|e| io(self.download.path.display(), e))?;
		self.hasher.update(chunk);
		self.download.len = len;
		Ok(())
	}

	fn finish(mut self) -> Result<Download, FetchError> {
		self.file.flush().map_err(|e| io(self.download.path.display(), e))?;
		self.download.hash = self.hasher.finalize().into();
		Ok(self.download)
	}
}

/// The blake2b-256 of the file at `path`, read in chunks.
pub fn hash_file(path: &Path) -> std::io::Result<[u8; 32]> {
	let mut file = std::fs::File::open(path)?;
	let mut hasher = Blake2b::<U32>::new();
	let mut buffer = vec![0u8; 1 << 16];
	loop {
		match file.read(&mut buffer)? {
			0 => return Ok(hasher.finalize().into()),
			n => hasher.update(&buffer[..n]),
		}
	}
}

/// Downloads into one model directory.
#[derive(Clone, Debug)]
pub struct Fetcher {
	dir: PathBuf,
	limits: Limits,
}

impl Fetcher {
	/// A fetcher writing into (and reading `file://` URLs from) `dir`.
	pub fn new(dir: PathBuf, limits: Limits) -> Self {
		Fetcher { dir, limits }
	}

	/// Fetches the file at `url`, at most `limit` bytes, into a temporary
	/// file of the model directory.
	///
	/// Blocking: HTTP runs on a runtime of its own thread, so this may be
	/// called from any thread (the off-chain worker's included).
	pub fn fetch(&self, url: &str, limit: u64) -> Result<Download, FetchError> {
		if let Some(path) = url.strip_prefix("file://") {
			return self.copy_local(path, limit);
		}
		if !(url.starts_with("http://") || url.starts_with("https://")) {
			return Err(FetchError::BadUrl(url.to_owned()));
		}
		let sink = Sink::new(&self.dir, limit)?;
		let (url, limits) = (url.to_owned(), self.limits);
		std::thread::spawn(move || {
			let runtime = tokio::runtime::Builder::new_current_thread()
				.enable_all()
				.build()
				.map_err(|e| FetchError::Io(e.to_string()))?;
			runtime.block_on(async {
				tokio::time::timeout(limits.total, http_get(&url, sink, limits))
					.await
					.unwrap_or(Err(FetchError::TimedOut))
			})
		})
		.join()
		.unwrap_or_else(|_| Err(FetchError::Io("the download thread panicked".into())))
	}

	/// The path a `file://` URL names, if it lies inside the model directory.
	fn local_path(&self, path: &str) -> Result<PathBuf, FetchError> {
		let outside = || FetchError::OutsideModelDirectory(path.to_owned());
		let named = Path::new(path);
		if named.components().any(|c| c == Component::ParentDir) {
			return Err(outside());
		}
		let dir = self.dir.canonicalize().map_err(|e| io(self.dir.display(), e))?;
		// Symbolic links resolved: a link inside the directory to a file
		// outside it is outside.
		let resolved = dir.join(named).canonicalize().map_err(|e| io(path, e))?;
		if resolved.starts_with(&dir) && resolved != dir {
			Ok(resolved)
		} else {
			Err(outside())
		}
	}

	fn copy_local(&self, path: &str, limit: u64) -> Result<Download, FetchError> {
		let source = self.local_path(path)?;
		let mut file = std::fs::File::open(&source).map_err(|e| io(path, e))?;
		let mut sink = Sink::new(&self.dir, limit)?;
		let mut buffer = vec![0u8; 1 << 16];
		loop {
			match file.read(&mut buffer).map_err(|e| io(path, e))? {
				0 => return sink.finish(),
				n => sink.write(&buffer[..n])?,
			}
		}
	}
}

/// GET `url` over HTTP(S), following redirects, into `sink`.
async fn http_get(url: &str, mut sink: Sink, limits: Limits) -> Result<Download, FetchError> {
	use http_body_util::{BodyExt, Empty};
	use hyper::{body::Bytes, header::LOCATION, Uri};
	use tokio::time::timeout;

	let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
	http.enforce_http(false);
	http.set_connect_timeout(Some(limits.connect));
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_provider_and_native_roots(rustls::crypto::ring::default_provider())
		.map_err(|e| io("TLS roots", e))?
		.https_or_http()
		.enable_http1()
		.enable_http2()
		.wrap_connector(http);
	let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
		.build::<_, Empty<Bytes>>(connector);

	let start = Instant::now();
	let mut uri: Uri = url.parse().map_err(|_| FetchError::BadUrl(url.to_owned()))?;
	for _ in 0..=MAX_REDIRECTS {
		let response = timeout(limits.stall, client.get(uri.clone()))
			.await
			.map_err(|_| FetchError::Stalled)?
			.map_err(|e| io(&uri, e))?;
		let status = response.status();
		if status.is_redirection() {
			let location = response
				.headers()
				.get(LOCATION)
				.and_then(|l| l.to_str().ok())
				.ok_or(FetchError::Status(status.as_u16()))?;
			uri = redirect_target(&uri, location).ok_or_else(|| FetchError::BadUrl(location.to_owned()))?;
			continue;
		}
		if !status.is_success() {
			return Err(FetchError::Status(status.as_u16()));
		}
		let mut body = response.into_body();
		loop {
			let Some(frame) = timeout(limits.stall, body.frame()).await.map_err(|_| FetchError::Stalled)? else {
				return sink.finish();
			};
			if let Ok(chunk) = frame.map_err(|e| io(&uri, e))?.into_data() {
				sink.write(&chunk)?;
			}
			check_rate(start.elapsed(), sink.download.len, &limits)?;
		}
	}
	Err(FetchError::Io(format!("more than {MAX_REDIRECTS} redirects")))
}

/// The slow-body rule: after `limits.grace`, at least `limits.min_rate`
/// bytes per second on average since the start.
fn check_rate(elapsed: Duration, bytes: u64, limits: &Limits) -> Result<(), FetchError> {
	if elapsed <= limits.grace {
		return Ok(());
	}
	let rate = (u128::from(bytes) * 1000 / elapsed.as_millis().max(1)) as u64;
	if rate < limits.min_rate {
		return Err(FetchError::TooSlow { rate });
	}
	Ok(())
}

/// Where a redirect from `base` to `location` leads: an absolute URL, or a
/// path on the same server.
fn redirect_target(base: &hyper::Uri, location: &str) -> Option<hyper::Uri> {
	if location.starts_with("http://") || location.starts_with("https://") {
		return location.parse().ok();
	}
	let path = location.starts_with('/').then_some(location)?;
	hyper::Uri::builder()
		.scheme(base.scheme()?.clone())
		.authority(base.authority()?.clone())
		.path_and_query(path)
		.build()
		.ok()
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;
	use std::{
		net::{TcpListener, TcpStream},
		sync::mpsc,
	};

	/// A fresh empty directory under the system's temporary directory.
	pub(crate) fn temp_dir(name: &str) -> PathBuf {
		static NEXT: AtomicU64 = AtomicU64::new(0);
		let dir = std::env::temp_dir().join(format!(
			"daifi-fetch-{name}-{}-{}",
			std::process::id(),
			NEXT.fetch_add(1, Ordering::Relaxed)
		));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		dir
	}

	/// Limits small enough for tests: a stall is 300 ms.
	pub(crate) const FAST: Limits = Limits {
		connect: Duration::from_secs(5),
		total: Duration::from_secs(60),
		stall: Duration::from_millis(300),
		grace: Duration::from_secs(60),
		min_rate: 1,
	};

	/// Accepts one connection on a local port and hands it, its request
	/// read, to `serve` on a thread of its own.
	pub(crate) fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> String {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let address = listener.local_addr().unwrap();
		std::thread::spawn(move || {
			let (mut stream, _) = listener.accept().unwrap();
			let mut request = [0u8; 1024];
			let _ = stream.read(&mut request);
			serve(stream);
		});
		format!("http://{address}")
	}

	/// Serves each of `responses` to one connection, in order, on a local port.
	fn serve(responses: Vec<Vec<u8>>) -> String {
		let listener = TcpListener::bind("127.0.0.1:0").unwrap();
		let address = listener.local_addr().unwrap();
		std::thread::spawn(move || {
			for response in responses {
				let (mut stream, _) = listener.accept().unwrap();
				let mut request = [0u8; 1024];
				let _ = stream.read(&mut request);
				stream.write_all(&response).unwrap();
			}
		});
		format!("http://{address}")
	}

	fn ok(body: &[u8]) -> Vec<u8> {
		let mut response =
			format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len()).into_bytes();
		response.extend_from_slice(body);
		response
	}

	/// A chunked response that sends `chunk` after each message of `pace`
	/// until the client hangs up or `pace` closes. `started` hears once the
	/// head and the first chunk were sent.
	pub(crate) fn paced_body(chunk: Vec<u8>, started: mpsc::Sender<()>, pace: mpsc::Receiver<()>) -> impl FnOnce(TcpStream) {
		move |mut stream| {
			let send = |stream: &mut TcpStream| {
				let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
				frame.extend_from_slice(&chunk);
				frame.extend_from_slice(b"\r\n");
				stream.write_all(&frame).is_ok()
			};
			let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
			if stream.write_all(head).is_err() || !send(&mut stream) {
				return;
			}
			let _ = started.send(());
			while pace.recv().is_ok() {
				if !send(&mut stream) {
					return;
				}
			}
		}
	}

	/// A body that never ends, as fast as the client reads.
	pub(crate) fn endless_body(started: mpsc::Sender<()>) -> impl FnOnce(TcpStream) {
		move |mut stream| {
			let head = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
			let chunk = [b"4000\r\n".as_slice(), &[7u8; 0x4000], b"\r\n"].concat();
			if stream.write_all(head).is_err() || stream.write_all(&chunk).is_err() {
				return;
			}
			let _ = started.send(());
			while stream.write_all(&chunk).is_ok() {}
		}
	}

	fn fetched(fetcher: &Fetcher, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
		fetcher.fetch(url, limit).map(|d| d.read().unwrap())
	}

	#[test]
	fn http_follows_a_redirect_and_returns_the_body() {
		let dir = temp_dir("redirect");
		let redirect = b"HTTP/1.1 302 Found\r\nlocation: /real\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec();
		let base = serve(vec![redirect, ok(b"model bytes")]);
		let download = Fetcher::new(dir.clone(), FAST).fetch(&format!("{base}/model.onnx"), 100).unwrap();
		assert_eq!(download.read().unwrap(), b"model bytes");
		assert_eq!(download.hash(), &<[u8; 32]>::from(Blake2b::<U32>::digest(b"model bytes")));
		// Kept under its final name, or else deleted.
		download.keep(&dir.join("kept")).unwrap();
		assert_eq!(std::fs::read(dir.join("kept")).unwrap(), b"model bytes");
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left");
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn http_refuses_a_body_over_the_limit_and_an_error_status() {
		let dir = temp_dir("limit");
		let fetcher = Fetcher::new(dir.clone(), FAST);
		let base = serve(vec![ok(&[7u8; 101]), b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec()]);
		assert_eq!(fetched(&fetcher, &format!("{base}/big"), 100), Err(FetchError::TooLarge { limit: 100 }));
		assert_eq!(fetched(&fetcher, &format!("{base}/missing"), 100), Err(FetchError::Status(404)));
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing left behind");
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn an_endless_body_stops_at_the_limit() {
		let dir = temp_dir("endless");
		let (started, _) = mpsc::channel();
		let base = server(endless_body(started));
		let limit = 1 << 20;
		assert_eq!(fetched(&Fetcher::new(dir.clone(), FAST), &format!("{base}/m"), limit), Err(FetchError::TooLarge { limit }));
		assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the partial file is deleted");
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_stalled_body_is_abandoned() {
		let dir = temp_dir("stalled");
		let (started, _) = mpsc::channel();
		// `pace` is never sent to: after its first chunk the body stalls.
		let (_pace, paced) = mpsc::channel();
		let base = server(paced_body(vec![1; 10], started, paced));
		assert_eq!(fetched(&Fetcher::new(dir.clone(), FAST), &format!("{base}/m"), 1 << 20), Err(FetchError::Stalled));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn a_body_slower_than_the_least_rate_is_abandoned() {
		let dir = temp_dir("slow");
		// No grace, and a rate no local body reaches in the first chunk's time.
		let limits = Limits { grace: Duration::ZERO, min_rate: u64::MAX, ..FAST };
		let (started, _) = mpsc::channel();
		let (pace, paced) = mpsc::channel();
		for _ in 0..1000 {
			pace.send(()).unwrap();
		}
		let base = server(paced_body(vec![1; 10], started, paced));
		assert!(matches!(
			fetched(&Fetcher::new(dir.clone(), limits), &format!("{base}/m"), 1 << 20),
			Err(FetchError::TooSlow { .. })
		));
		assert_eq!(check_rate(Duration::from_secs(10), 100, &Limits { grace: Duration::from_secs(30), ..limits }), Ok(()));
		assert_eq!(check_rate(Duration::from_secs(40), 400, &Limits { min_rate: 10, ..LIMITS }), Ok(()));
		assert_eq!(check_rate(Duration::from_secs(40), 399, &Limits { min_rate: 10, ..LIMITS }), Err(FetchError::TooSlow { rate: 9 }));
		std::fs::remove_dir_all(dir).unwrap();
	}

	#[test]
	fn files_are_read_inside_the_model_directory_only() {
		let dir = temp_dir("files");
		let outside = temp_dir("files-outside");
		std::fs::create_dir_all(dir.join("published")).unwrap();
		std::fs::write(dir.join("published/m.onnx"), b"abc").unwrap();
		std::fs::write(outside.join("secret"), b"key").unwrap();
		let fetcher = Fetcher::new(dir.clone(), FAST);

		let absolute = format!("file://{}", dir.join("published/m.onnx").display());
		assert_eq!(fetched(&fetcher, &absolute, 3), Ok(b"abc".to_vec()));
		assert_eq!(fetched(&fetcher, "file://published/m.onnx", 3), Ok(b"abc".to_vec()), "relative to the directory");
		assert_eq!(fetched(&fetcher, &absolute, 2), Err(FetchError::TooLarge { limit: 2 }));
		assert!(matches!(fetched(&fetcher, "file://published/none", 3), Err(FetchError::Io(_))));

		let refused = |url: String| {
			assert!(
				matches!(fetched(&fetcher, &url, 3), Err(FetchError::OutsideModelDirectory(_))),
				"{url} must be refused"
			)
		};
		refused(format!("file://{}", outside.join("secret").display()));
		refused("file://../secret".into());
		refused(format!("file://{}/published/../../{}/secret", dir.display(), outside.file_name().unwrap().to_str().unwrap()));
		refused("file:///etc/passwd".into());
		refused(format!("file://{}", dir.display()));
		#[cfg(unix)]
		{
			std::os::unix::fs::symlink(outside.join("secret"), dir.join("link")).unwrap();
			refused("file://link".into());
			std::os::unix::fs::symlink(&outside, dir.join("dirlink")).unwrap();
			refused("file://dirlink/secret".into());
		}
		assert_eq!(fetched(&fetcher, "ftp://host/m.onnx", 3), Err(FetchError::BadUrl("ftp://host/m.onnx".into())));
		std::fs::remove_dir_all(dir).unwrap();
		std::fs::remove_dir_all(outside).unwrap();
	}
}
