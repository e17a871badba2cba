import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// PostgresNIO's configuration for these settings: the endpoint, sslmode with its root
/// certificate and client certificate, application_name and the connect timeout.
extension PostgresSettings {
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch endpoint {
        case .socket(let dir, let port):
            configuration = PostgresConnection.Configuration(unixSocketPath: "\(dir)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        case .tcp(let host, let port):
            configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: try tls())
        }
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout))
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// libpq's sslmode names: require encrypts without checking the certificate; verify-ca
    /// checks the chain; verify-full checks the chain and the host name.
    func tls() throws -> PostgresConnection.Configuration.TLS {
        // No TLS, nothing to load: a stray ~/.postgresql/postgresql.crt cannot fail such a run.
        if sslmode == "disable" { return .disable }
        var config = TLSConfiguration.makeClientConfiguration()
        do {
            if let sslrootcert, sslrootcert != "system" {
                config.trustRoots = .file(sslrootcert)
            }
            if let sslcert {
                guard let sslkey else { throw LedgerError("sslcert \(sslcert) is given without an sslkey") }
                var st = stat()
                if stat(sslkey, &st) == 0, st.st_mode & 0o077 != 0 {
                    throw LedgerError("sslkey \(sslkey) may be read by group or others (mode \(String(st.st_mode & 0o777, radix: 8))); chmod 600, as libpq requires")
                }
                config.certificateChain = try NIOSSLCertificate.fromPEMFile(sslcert).map { .certificate($0) }
                config.privateKey = .privateKey(try NIOSSLPrivateKey(file: sslkey, format: .pem))
            }
            switch sslmode {
            case "disable":
                return .disable
            case "allow", "prefer":
                config.certificateVerification = .none
                return .prefer(try NIOSSLContext(configuration: config))
            case "require":
                // libpq: with a root certificate given, require behaves as verify-ca.
                config.certificateVerification = sslrootcert == nil ? .none : .noHostnameVerification
                return .require(try NIOSSLContext(configuration: config))
            case "verify-ca":
                config.certificateVerification = .noHostnameVerification
                return .require(try NIOSSLContext(configuration: config))
            default:
                return .require(try NIOSSLContext(configuration: config))
            }
        } catch let e as LedgerError {
            throw e
        } catch {
            throw LedgerError("TLS setup for \(display) (sslmode \(sslmode)): \(error)")
        }
    }
}
