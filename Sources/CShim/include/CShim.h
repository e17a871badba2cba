#ifndef SABA_C_SHIM_H
#define SABA_C_SHIM_H
#include <curl/curl.h>
#include <zlib.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them.
// These typed wrappers are the only calls the Swift side needs.
typedef size_t (*sr_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);

CURLcode sr_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode sr_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode sr_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode sr_setopt_callback(CURL *handle, CURLoption option, sr_data_callback value);
CURLcode sr_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode sr_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode sr_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);

// sqlite3_config is variadic. Turning SQLite's memory statistics off removes a process-wide
// mutex from every SQLite allocation, which the fetch and ledger threads otherwise contend
// for. Only effective before SQLite's first use in the process; returns SQLite's result code.
int sr_sqlite_disable_memstatus(void);

// mallopt(M_ARENA_MAX, n) (malloc.h is not in Swift's Glibc module); returns mallopt's
// result, 0 where the C library has no such setting.
int sr_malloc_arena_max(int arenas);

// inflateInit2 is a macro: this opens a gzip stream (with its header and CRC check).
int sr_inflate_init_gzip(z_stream *stream);

#endif
