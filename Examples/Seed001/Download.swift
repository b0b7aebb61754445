import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking  // URLSession lives here on Linux
#endif

/// Seed 001's `download_file_*(url, filename)`: `requests.get(url)`, then the body written to
/// `filename`. Blocking, as `requests.get` is; returns the number of bytes written.
func downloadFile(_ url: URL, to file: URL) throws -> Int {
    let done = DispatchSemaphore(value: 0)
    let outcome = Outcome()
    URLSession.shared.dataTask(with: url) { data, response, error in
        outcome.result.withLock { result in
            if let data, (response as? HTTPURLResponse)?.statusCode == 200 {
                result = .success(data)
            } else {
                result = .failure(error ?? URLError(.badServerResponse))
            }
        }
        done.signal()
    }.resume()
    done.wait()
    let data = try outcome.result.withLock { $0 }.get()
    try data.write(to: file)
    return data.count
}

/// The completion handler's result, handed to the waiting thread.
private final class Outcome: Sendable {
    let result = Mutex<Result<Data, any Error>>(.failure(URLError(.unknown)))
}
