/* files_int.h - what the files of src/files/ share; included only inside src/files/. */
#ifndef EG_FILES_INT_H
#define EG_FILES_INT_H

#include "files/files.h"

struct eg_files {
    char root[1024];
    int root_fd; /* the store's directory */
    int tmp_fd;  /* root/tmp: copies being written */
};

/* "PDF, JPEG hoặc PNG" for the types of mask, appended to out. */
EG_WUR enum eg_err eg_ftype_list_vi(unsigned mask, struct eg_buf *out);
/* Is s 64 lower-case hex digits? */
bool eg_files_hex_ok(const char *s);
/* "ab/cd/<hex>" of a blob into out (at least 72 bytes). */
void eg_files_blob_path(const char *hex, char *out, size_t n);
/* SHA-256 of the whole file fd as hex (65 bytes), and its size. */
EG_WUR enum eg_err eg_files_hash_fd(int fd, char *hex, uint64_t *size);

#endif /* EG_FILES_INT_H */
