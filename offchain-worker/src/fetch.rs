//! Fetching a model's files from the URL its registry record names.
//!
//! What is fetched is checked by the caller (the ONNX bytes against the
//! content hash, the proving key against the registered verifying key), so a
//! mirror or a plain `http://` address cannot make a provider run or prove
//! anything else. `file://` reads a local path (relative to the node's
//! working directory unless it starts with `/`).

use std::time::Duration;

/// How long one download may take.
const TIMEOUT: Duration = Duration::from_secs(600);
/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// Why a download failed.
#[derive(Debug, PartialEq, Eq)]
pub enum FetchError {
	/// The URL's scheme is not `file`, `http` or `https`, or it does not parse.
	BadUrl(String),
	/// The file is larger than allowed.
	TooLarge {
		/// The limit, in bytes.
		limit: u64,
	},
	/// The server answered with this status.
	Status(u16),
	/// Reading failed (I/O, network, TLS, timeout); the message says why.
	Io(String),
}

impl std::fmt::Display for FetchError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			Self::BadUrl(url) => write!(f, "unsupported or malformed URL {url:?}"),
			Self::TooLarge { limit } => write!(f, "larger than {limit} bytes"),
			Self::Status(code) => write!(f, "HTTP status {code}"),
			Self::Io(e) => f.write_str(e),
		}
	}
}

/// Reads the file at `url`, at most `limit` bytes.
///
/// Blocking: HTTP runs on a runtime of its own thread, so this may be called
/// from any thread (the off-chain worker's included).
pub fn fetch(url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
	if let Some(path) = url.strip_prefix("file://") {
		let len = std::fs::metadata(path).map_err(|e| FetchError::Io(format!("{path}: {e}")))?.len();
		if len > limit {
			return Err(FetchError::TooLarge { limit });
		}
		return std::fs::read(path).map_err(|e| FetchError::Io(format!("{path}: {e}")));
	}
	if !(url.starts_with("http://") || url.starts_with("https://")) {
		return Err(FetchError::BadUrl(url.to_owned()));
	}
	let url = url.to_owned();
	std::thread::spawn(move || {
		let runtime = tokio::runtime::Builder::new_current_thread()
			.enable_all()
			.build()
			.map_err(|e| FetchError::Io(e.to_string()))?;
		runtime.block_on(async {
			tokio::time::timeout(TIMEOUT, http_get(&url, limit))
				.await
				.unwrap_or_else(|_| Err(FetchError::Io(format!("timed out after {TIMEOUT:?}"))))
		})
	})
	.join()
	.unwrap_or_else(|_| Err(FetchError::Io("the download thread panicked".into())))
}

/// GET `url` over HTTP(S), following redirects, reading at most `limit` bytes.
async fn http_get(url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
	use http_body_util::{BodyExt, Empty};
	use hyper::{body::Bytes, header::LOCATION, Uri};

	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_provider_and_native_roots(rustls::crypto::ring::default_provider())
		.map_err(|e| FetchError::Io(format!("TLS roots: {e}")))?
		.https_or_http()
		.enable_http1()
		.enable_http2()
		.build();
	let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
		.build::<_, Empty<Bytes>>(connector);

	let mut uri: Uri = url.parse().map_err(|_| FetchError::BadUrl(url.to_owned()))?;
	for _ in 0..=MAX_REDIRECTS {
		let response = client.get(uri.clone()).await.map_err(|e| FetchError::Io(format!("{uri}: {e}")))?;
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
		let mut bytes = Vec::new();
		while let Some(frame) = body.frame().await {
			let frame = frame.map_err(|e| FetchError::Io(e.to_string()))?;
			if let Ok(chunk) = frame.into_data() {
				if bytes.len() as u64 + chunk.len() as u64 > limit {
					return Err(FetchError::TooLarge { limit });
				}
				bytes.extend_from_slice(&chunk);
			}
		}
		return Ok(bytes);
	}
	Err(FetchError::Io(format!("more than {MAX_REDIRECTS} redirects")))
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
mod tests {
	use super::*;
	use std::{
		io::{Read, Write},
		net::TcpListener,
	};

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

	#[test]
	fn http_follows_a_redirect_and_returns_the_body() {
		let redirect = b"HTTP/1.1 302 Found\r\nlocation: /real\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec();
		let base = serve(vec![redirect, ok(b"model bytes")]);
		assert_eq!(fetch(&format!("{base}/model.onnx"), 100), Ok(b"model bytes".to_vec()));
	}

	#[test]
	fn http_refuses_a_body_over_the_limit_and_an_error_status() {
		let base = serve(vec![ok(&[7u8; 101]), b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_vec()]);
		assert_eq!(fetch(&format!("{base}/big"), 100), Err(FetchError::TooLarge { limit: 100 }));
		assert_eq!(fetch(&format!("{base}/missing"), 100), Err(FetchError::Status(404)));
	}

	#[test]
	fn files_are_read_within_the_limit_and_other_schemes_refused() {
		let dir = std::env::temp_dir().join(format!("daifi-fetch-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("m.onnx");
		std::fs::write(&path, b"abc").unwrap();
		let url = format!("file://{}", path.display());
		assert_eq!(fetch(&url, 3), Ok(b"abc".to_vec()));
		assert_eq!(fetch(&url, 2), Err(FetchError::TooLarge { limit: 2 }));
		assert!(matches!(fetch(&format!("file://{}/none", dir.display()), 3), Err(FetchError::Io(_))));
		assert_eq!(fetch("ftp://host/m.onnx", 3), Err(FetchError::BadUrl("ftp://host/m.onnx".into())));
		std::fs::remove_dir_all(dir).unwrap();
	}
}
