/*
 * files.h - attachments in a content-addressed store (docs/files.md).
 *
 * Owns: blobs on disk under the store's root at ab/cd/<sha256 hex>, each
 * stored once, read-only, and given its name only once its bytes are on disk
 * (written, fsynced, then linked or renamed into place, and the directory
 * fsynced), so no half-written blob is ever visible under its hash; the
 * file_blob table (one row per blob: hash, size, type, times) and the
 * attachment table (a file someone handed in: blob, original name, declared
 * and detected type, owner account, and an opaque owner_kind/owner_ref pair
 * that dossiers will fill in); the type of a file, decided by its first
 * bytes and never by its name or declared type; gc and verify.
 *
 * Order of storing, and why it is safe against crashes and against gc:
 *   1. eg_files_store(): the bytes become a blob on disk (or are found there);
 *   2. eg_files_attach_tx(): in the caller's write transaction, the blob's
 *      row is created or marked used now, and the attachment row added;
 *   3. after the commit, eg_files_settle(): the blob is still on disk, or is
 *      put back from the source (gc may have removed it in between: gc
 *      removes a blob's file inside the transaction that deletes its unused
 *      row, so a blob used after that commit is always settled again).
 * A crash between 1 and 2 leaves a file without a row: gc removes it after
 * the grace period. eg_files_attach() does the three steps for one file.
 *
 * Strings returned in structs are copies (fixed-size fields). Thread safety:
 * a struct eg_files is read-only once open; every call may run on any thread.
 * Errors: EG_EINVAL with a Vietnamese sentence in msg for a file refused
 * (type, emptiness); EG_ENOTFOUND; EG_EIO for the disk (logged).
 */
#ifndef EG_FILES_H
#define EG_FILES_H

#include "core/core.h"
#include "db/db.h"

/* ---- types by content -------------------------------------------------------- */

enum eg_ftype {
    EG_FTYPE_NONE = 0,
    EG_FTYPE_PDF = 1,  /* "%PDF-" */
    EG_FTYPE_JPEG = 2, /* FF D8 FF */
    EG_FTYPE_PNG = 4,  /* 89 50 4E 47 0D 0A 1A 0A */
    EG_FTYPE_XML = 8,  /* [UTF-8 BOM] [white space] "<?xml" and white space */
};
#define EG_FTYPE_ALL (EG_FTYPE_PDF | EG_FTYPE_JPEG | EG_FTYPE_PNG | EG_FTYPE_XML)
/* What a scanned paper may be, when a form does not say: PDF, JPEG, PNG. */
#define EG_FTYPE_SCANS (EG_FTYPE_PDF | EG_FTYPE_JPEG | EG_FTYPE_PNG)
/* Detection reads at most this many first bytes. */
#define EG_FTYPE_HEAD 256

enum eg_ftype eg_ftype_detect(const void *head, size_t n);
/* "application/pdf", "image/jpeg", "image/png", "application/xml"; NULL for NONE. */
const char *eg_ftype_mime(enum eg_ftype t);
/* The type of a MIME name as eg_ftype_mime() writes it, NONE otherwise. */
enum eg_ftype eg_ftype_of_mime(const char *mime);
/* "pdf", "jpg", "png", "xml"; NULL for NONE. */
const char *eg_ftype_ext(enum eg_ftype t);
/*
 * "pdf,jpeg,png" (also "jpg", "xml", in any case, with spaces) into a mask of
 * EG_FTYPE_*; EG_EINVAL with a sentence in msg for a name it does not know or
 * an empty list. The form field's accept list (docs/procedures.md) is this.
 */
EG_WUR enum eg_err eg_ftype_parse(const char *list, unsigned *mask, struct eg_buf *msg);

/* ---- the store ---------------------------------------------------------------------- */

struct eg_files;

struct eg_files_config {
    const char *root;      /* the store's directory; created 0700 if missing */
    const char *spool_dir; /* optional: only to warn when it is on another filesystem */
};

EG_WUR enum eg_err eg_files_open(const struct eg_files_config *c, struct eg_files **out,
                                 struct eg_buf *msg);
void eg_files_close(struct eg_files *fs);

/* Where the bytes to store are: an open file, and its name when it has one. */
struct eg_blob_src {
    int fd;             /* readable with pread(); stays open and the caller's */
    const char *path;   /* its name on disk (linked into the store when on the same
                           filesystem), or NULL: the bytes are copied */
    const char *sha256; /* the hash the producer computed (hex), checked; or NULL */
};

struct eg_blob {
    char sha256[65];
    uint64_t size;
    enum eg_ftype type;
};

/*
 * Makes the content of src a blob (or finds it stored already): detects its
 * type, refuses one not in accept (a mask of EG_FTYPE_*; 0 = EG_FTYPE_SCANS)
 * or an empty file with EG_EINVAL and a Vietnamese sentence in msg, hashes
 * it (EG_EIO if src->sha256 is given and differs), and places it durably.
 */
EG_WUR enum eg_err eg_files_store(struct eg_files *fs, const struct eg_blob_src *src,
                                  unsigned accept, struct eg_blob *out, struct eg_buf *msg);
/* After the transaction that used b committed: b is on disk, put back from src if not. */
EG_WUR enum eg_err eg_files_settle(struct eg_files *fs, const struct eg_blob_src *src,
                                   const struct eg_blob *b);
/* Opens a blob for reading: fd (the caller's to close) and size. EG_ENOTFOUND if absent. */
EG_WUR enum eg_err eg_files_open_blob(struct eg_files *fs, const char *sha256, int *fd,
                                      uint64_t *size);

/* ---- attachments --------------------------------------------------------------------- */

#define EG_FILENAME_MAX 255 /* bytes of a stored filename (NFC UTF-8) */

/* What the caller knows about a file handed in. */
struct eg_attach {
    const char *filename;      /* as sent (may hold a path; may be NULL or "") */
    const char *declared_type; /* the Content-Type it came with, or NULL */
    int64_t owner_account;     /* who handed it in */
    const char *owner_kind;    /* "upload" until a dossier takes it ("dossier") */
    const char *owner_ref;     /* the owner's id in its kind (a dossier's code), or NULL */
};

struct eg_attachment {
    int64_t id;
    char sha256[65];
    uint64_t size;
    enum eg_ftype type; /* detected */
    char filename[EG_FILENAME_MAX + 1];
    char declared_type[128]; /* "" if none */
    int64_t owner_account;
    char owner_kind[32];
    char owner_ref[128]; /* "" if none */
    int64_t created_ms;
};

/*
 * The stored form of a filename: the last path component, NFC, without
 * control characters, at most EG_FILENAME_MAX bytes (shortened before the
 * extension), ending in the extension of type (added, or put in place of
 * another type's extension: "scan.pdf" holding a PNG becomes "scan.png");
 * "tep-dinh-kem.<ext>" when nothing is left.
 */
EG_WUR enum eg_err eg_files_filename(const char *given, enum eg_ftype type, struct eg_buf *out);
/*
 * Inside the caller's write transaction: the blob's row (created, or marked
 * used now) and a new attachment row. Call eg_files_settle() after the commit.
 */
EG_WUR enum eg_err eg_files_attach_tx(struct eg_tx *tx, const struct eg_blob *b,
                                      const struct eg_attach *a, int64_t now_ms,
                                      struct eg_attachment *out);
/* Store, attach in a transaction of its own, settle: one file handed in. */
EG_WUR enum eg_err eg_files_attach(struct eg_files *fs, struct eg_db *db,
                                   const struct eg_blob_src *src, unsigned accept,
                                   const struct eg_attach *a, int64_t now_ms,
                                   struct eg_attachment *out, struct eg_buf *msg);
/* One attachment by id; EG_ENOTFOUND. Who may see it is the caller's decision. */
EG_WUR enum eg_err eg_files_get(struct eg_db *db, int64_t id, struct eg_attachment *out);

/* ---- gc and verify -------------------------------------------------------------------- */

struct eg_files_gc_stats {
    uint64_t blobs;       /* unused blobs removed (row and file) */
    uint64_t orphans;     /* files without a row (a crash between store and attach) removed */
    uint64_t temporaries; /* leftover copies in root/tmp removed */
    uint64_t bytes;       /* freed */
};

/*
 * Removes blobs no attachment references that were last used before
 * now - grace, files without a row older than that, and leftover temporaries.
 * dry_run counts without removing.
 */
EG_WUR enum eg_err eg_files_gc(struct eg_files *fs, struct eg_db *db, int64_t now_ms,
                               int64_t grace_ms, bool dry_run, struct eg_files_gc_stats *st);

struct eg_files_verify_stats {
    uint64_t blobs; /* rows checked */
    uint64_t ok;
    uint64_t bad;            /* content or size differs from the row: damaged */
    uint64_t missing;        /* no file for a row an attachment references: lost */
    uint64_t unused_missing; /* no file for an unused row (gc interrupted): gc removes the row */
};

/* Called for each problem: the blob and a sentence (English, for operators). */
typedef void (*eg_files_report_fn)(void *ctx, const char *sha256, const char *problem);

/* Re-hashes every blob and compares it with its name and its row. */
EG_WUR enum eg_err eg_files_verify(struct eg_files *fs, struct eg_db *db, eg_files_report_fn report,
                                   void *ctx, struct eg_files_verify_stats *st);

#endif /* EG_FILES_H */
