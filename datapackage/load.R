# Load a darkweb-enforcement release in R, typed by its Table Schemas.
#
#   source("load.R")                                            # shipped in every release (scripts/load.R in the repository)
#   data <- dwe_load(".")                                       # this release folder, or a folder or .zip archive
#   data <- dwe_load("1.0.0", index = "https://<mirror>/releases.json")   # any version: downloaded once, then offline
#
# Every file is checked against SHA256SUMS before any table is read. Types: date -> Date,
# integer -> integer, number -> double, boolean -> logical, a field with an enum -> factor with
# the enum as levels (schema order), anything else -> character. Only "" is missing, so the
# country code "NA" stays text. Needs readr, jsonlite and digest (Debian: r-cran-readr,
# r-cran-jsonlite, r-cran-digest).

dwe_load <- function(path_or_version, tables = NULL, index = Sys.getenv("DWE_INDEX", "releases.json"),
                     base_url = Sys.getenv("DWE_BASE_URL")) {
  source <- path_or_version
  if (!file.exists(source) && (dwe_is_version(source) || identical(source, "current"))) {
    source <- dwe_fetch(source, index, base_url)
  } else if (!file.exists(source) && grepl("^[0-9.]+", source)) {
    dwe_stop("%s is not a version X.Y.Z (ASCII digits, nothing else)", source)
  }
  if (dir.exists(source)) return(dwe_read_release(source, tables, source))
  if (!file.exists(source)) dwe_stop("%s: no such release folder, archive or version (X.Y.Z)", source)
  tmp <- tempfile("dwe-")
  on.exit(unlink(tmp, recursive = TRUE), add = TRUE)
  dwe_read_release(dwe_extract(source, tmp), tables, source)
}

dwe_stop <- function(...) stop(sprintf(...), call. = FALSE)

dwe_sha256 <- function(path) digest::digest(file = path, algo = "sha256")

# Strict X.Y.Z with ASCII digits: checked before any path is built from a version.
dwe_is_version <- function(x) {
  is.character(x) && length(x) == 1 && grepl("^(?:0|[1-9][0-9]{0,5})\\.(?:0|[1-9][0-9]{0,5})\\.(?:0|[1-9][0-9]{0,5})\\z", x, perl = TRUE)
}

dwe_cache_dir <- function() Sys.getenv("DWE_CACHE_DIR", tools::R_user_dir("darkweb-enforcement", "cache"))

# The cached archive of a version whose bytes still have the sha256 it was verified against, or NULL.
dwe_cached <- function(version, expected = NULL) {
  folder <- file.path(dwe_cache_dir(), version)
  dest <- file.path(folder, sprintf("darkweb-enforcement-%s.zip", version))
  entry <- file.path(folder, "entry.json")
  if (!file.exists(dest) || !file.exists(entry)) return(NULL)
  recorded <- tryCatch(jsonlite::fromJSON(entry)$archive_sha256, error = function(e) NULL)
  if (is.null(recorded) || (!is.null(expected) && recorded != expected) || dwe_sha256(dest) != recorded) return(NULL)
  dest
}

# A version from the cache (offline, no index needed), else downloaded once and kept when its sha256 matches the index.
dwe_fetch <- function(version, index, base_url) {
  if (dwe_is_version(version) && !is.null(cached <- dwe_cached(version))) return(cached)
  if (!grepl("^https?://", index) && !file.exists(index)) {
    dwe_stop("%s: no releases.json here; pass index = (a path or URL to releases.json) or a release folder or archive", index)
  }
  releases <- tryCatch(jsonlite::fromJSON(index, simplifyVector = FALSE),
                       error = function(e) dwe_stop("%s: cannot read releases.json (%s)", index, conditionMessage(e)))
  if (!is.list(releases) || !is.list(releases$releases)) dwe_stop("%s: not a releases index (no 'releases' list)", index)
  known <- vapply(releases$releases, function(r) if (is.character(r$version)) r$version else "", "")
  status <- vapply(releases$releases, function(r) if (is.character(r$status)) r$status else "", "")
  bad <- known[!vapply(known, dwe_is_version, TRUE)]
  if (length(bad)) dwe_stop("%s: version '%s' is not X.Y.Z; the index is refused before any path is built from it", index, bad[1])
  pick <- if (version == "current") which(status == "current") else which(known == version)
  if (length(pick) != 1) {
    dwe_stop("%s has no release %s; known versions: %s", index, version,
             if (length(known)) paste0(known, " (", status, ")", collapse = ", ") else "none")
  }
  entry <- releases$releases[[pick]]
  if (!grepl("^[0-9a-f]{64}$", entry$archive_sha256)) dwe_stop("%s: archive_sha256 of %s is not 64 hex digits", index, entry$version)
  if (!is.null(cached <- dwe_cached(entry$version, entry$archive_sha256))) return(cached)
  base <- sub("/+$", "", if (nzchar(base_url)) base_url else if (is.null(releases$base_url)) "" else releases$base_url)
  if (!nzchar(base)) dwe_stop("no download host for release %s: %s has no base_url; pass base_url= or set DWE_BASE_URL", entry$version, index)
  pattern <- if (is.null(releases$url_pattern)) "{base_url}/darkweb-enforcement-{version}.zip" else releases$url_pattern
  url <- sub("{version}", entry$version, sub("{base_url}", base, pattern, fixed = TRUE), fixed = TRUE)
  folder <- file.path(dwe_cache_dir(), entry$version)
  dest <- file.path(folder, sprintf("darkweb-enforcement-%s.zip", entry$version))
  dir.create(folder, recursive = TRUE, showWarnings = FALSE)
  ok <- FALSE
  on.exit(if (!ok) unlink(folder, recursive = TRUE), add = TRUE)  # nothing half-written stays in the cache
  dwe_download(url, dest, entry$archive_sha256)
  jsonlite::write_json(list(version = entry$version, archive_sha256 = entry$archive_sha256, url = url),
                       file.path(folder, "entry.json"), auto_unbox = TRUE)
  ok <- TRUE
  dest
}

dwe_download <- function(url, dest, expected) {
  tmp <- tempfile("download-", tmpdir = dirname(dest))
  on.exit(unlink(tmp), add = TRUE)
  tryCatch(utils::download.file(url, tmp, mode = "wb", quiet = TRUE),
           error = function(e) dwe_stop("could not download %s (%s)", url, conditionMessage(e)),
           warning = function(w) dwe_stop("could not download %s (%s)", url, conditionMessage(w)))
  head <- readBin(tmp, "raw", 512)
  if (length(head) < 4 || !identical(head[1:2], charToRaw("PK"))) {
    text <- tolower(rawToChar(head[head != as.raw(0)]))
    what <- if (grepl("<html|<!doctype", text)) "an HTML page" else "not a zip archive"
    dwe_stop("%s sent %s instead of %s; check base_url / DWE_BASE_URL. The download was deleted", url, what, basename(dest))
  }
  got <- dwe_sha256(tmp)
  if (got != expected) {
    dwe_stop("sha256 of %s from %s: expected %s but got %s; the download was deleted", basename(dest), url, expected, got)
  }
  if (!file.rename(tmp, dest)) dwe_stop("could not move the download to %s", dest)
  dest
}

dwe_unsafe_path <- function(rel) {
  !is.character(rel) || length(rel) != 1 || !nzchar(rel) || startsWith(rel, "/") || startsWith(rel, "~") ||
    grepl("\\\\|^[A-Za-z][A-Za-z0-9+.-]*:|(^|/)\\.\\.(/|$)|[[:cntrl:]]", rel)
}

# Extract an archive into `dest` and return its one top folder. Every entry is checked first: paths
# leaving the folder, duplicates, declared sizes (a zip bomb) and the count; each file's size is
# checked against what the archive declared once written.
dwe_extract <- function(archive, dest) {
  listing <- tryCatch(utils::unzip(archive, list = TRUE), error = function(e) NULL, warning = function(w) NULL)
  if (is.null(listing)) dwe_stop("%s: not a zip archive or corrupt; was it truncated or an HTML error page?", archive)
  entries <- listing$Name
  unsafe <- entries[vapply(entries, dwe_unsafe_path, TRUE)]
  if (length(unsafe)) dwe_stop("%s: entry '%s' escapes the release folder; nothing was extracted", archive, unsafe[1])
  if (anyDuplicated(entries)) dwe_stop("%s: entry '%s' appears more than once; nothing was extracted", archive, entries[anyDuplicated(entries)])
  if (length(entries) > 10000 || any(listing$Length > 512 * 2^20) || sum(listing$Length) > 2^30 ||
      (sum(listing$Length) > 2^20 && sum(listing$Length) > 200 * file.size(archive))) {
    dwe_stop("%s: declares more or larger files than a release holds (a zip bomb?); nothing was extracted", archive)
  }
  tops <- unique(sub("/.*$", "", entries))
  if (length(tops) != 1) dwe_stop("%s: expected one top-level folder, found %s", archive, paste(tops, collapse = ", "))
  result <- tryCatch(utils::unzip(archive, exdir = dest), error = function(e) NULL, warning = function(w) NULL)
  if (is.null(result)) dwe_stop("%s: corrupt, encrypted or unsupported entries; nothing was loaded", archive)
  folder <- file.path(dest, tops)
  files <- list.files(folder, recursive = TRUE, full.names = TRUE, all.files = TRUE)
  if (any(nzchar(Sys.readlink(files)))) dwe_stop("%s: the archive holds a symbolic link", archive)
  written <- file.size(file.path(dest, entries[!endsWith(entries, "/")]))
  if (any(written != listing$Length[!endsWith(entries, "/")])) dwe_stop("%s: an entry holds more or fewer bytes than it declares", archive)
  folder
}

# Stop unless every file matches SHA256SUMS and every file is listed there.
dwe_verify <- function(folder, label) {
  sums <- file.path(folder, "SHA256SUMS")
  if (!file.exists(sums)) dwe_stop("%s: SHA256SUMS is missing; nothing was loaded", label)
  lines <- readLines(sums, encoding = "UTF-8", warn = FALSE)
  if (!all(grepl("^[0-9a-f]{64}  .+$", lines))) dwe_stop("%s: SHA256SUMS is not '<sha256>  <path>' lines", label)
  expected <- substr(lines, 1, 64)
  rels <- substring(lines, 67)
  problems <- character()
  for (i in seq_along(rels)) {
    path <- file.path(folder, rels[i])
    if (grepl("(^|/)\\.\\.(/|$)|^/", rels[i])) problems <- c(problems, sprintf("%s: path escapes the release folder", rels[i]))
    else if (!file.exists(path)) problems <- c(problems, sprintf("%s: missing", rels[i]))
    else if ((got <- dwe_sha256(path)) != expected[i]) {
      problems <- c(problems, sprintf("%s: sha256 expected %s but got %s", rels[i], expected[i], got))
    }
  }
  present <- list.files(folder, recursive = TRUE, all.files = TRUE)
  extra <- setdiff(present, c(rels, "SHA256SUMS"))
  problems <- c(problems, sprintf("%s: not listed in SHA256SUMS", extra))
  if (length(problems)) {
    dwe_stop("%s does not match its SHA256SUMS: %s; nothing was loaded", label, paste(utils::head(problems, 3), collapse = "; "))
  }
  invisible(stats::setNames(expected, rels))
}

dwe_read_release <- function(folder, tables, label) {
  dwe_verify(folder, label)
  descriptor <- jsonlite::fromJSON(file.path(folder, "datapackage.json"), simplifyVector = FALSE)
  tabular <- Filter(function(r) !is.null(r$schema), descriptor$resources)  # tables only, not the database
  resources <- stats::setNames(tabular, vapply(tabular, function(r) r$name, ""))
  wanted <- if (is.null(tables)) sort(names(resources)) else tables
  unknown <- setdiff(wanted, names(resources))
  if (length(unknown)) {
    dwe_stop("table '%s' is not in %s; its tables are: %s", unknown[1], basename(folder), paste(sort(names(resources)), collapse = ", "))
  }
  stats::setNames(lapply(resources[wanted], dwe_read_table, folder = folder), wanted)
}

dwe_col_type <- function(field) {
  enum <- field$constraints$enum
  if (!is.null(enum)) return(readr::col_factor(levels = unlist(enum)))
  type <- if (is.null(field$type)) "string" else field$type
  switch(type,
         date = readr::col_date(format = "%Y-%m-%d"),
         integer = readr::col_integer(),
         number = readr::col_double(),
         readr::col_character())  # booleans are mapped below with the schema's trueValues/falseValues
}

# Read one resource's CSV with column types from its Table Schema; stop on any unparsable cell.
dwe_read_table <- function(resource, folder) {
  if (dwe_unsafe_path(resource$path)) dwe_stop("datapackage.json: resource path '%s' must stay inside the release folder", resource$path)
  target <- normalizePath(file.path(folder, resource$path), mustWork = FALSE)
  if (!startsWith(target, paste0(normalizePath(folder), "/")) || !file.exists(target) || dir.exists(target)) {
    dwe_stop("datapackage.json: resource path '%s' is not a file inside the release folder", resource$path)
  }
  fields <- resource$schema$fields
  names <- vapply(fields, function(f) f$name, "")
  missing <- if (is.null(resource$schema$missingValues)) "" else unlist(resource$schema$missingValues)
  types <- do.call(readr::cols, stats::setNames(lapply(fields, dwe_col_type), names))
  data <- readr::read_csv(file.path(folder, resource$path), col_types = types, na = missing, trim_ws = FALSE,
                          progress = FALSE, lazy = FALSE, name_repair = "minimal")
  problems <- readr::problems(data)
  if (nrow(problems)) {
    dwe_stop("%s: row %d, column %d: expected %s but got '%s'", resource$path, problems$row[1],
             problems$col[1], problems$expected[1], problems$actual[1])
  }
  if (!identical(names(data), names)) dwe_stop("%s: header does not match the schema's fields", resource$path)
  for (field in fields) {
    if (identical(field$type, "boolean")) data[[field$name]] <- dwe_logical(data[[field$name]], field, resource$path)
  }
  attr(data, "spec") <- NULL
  attr(data, "problems") <- NULL
  class(data) <- c("tbl_df", "tbl", "data.frame")  # a plain tibble, without readr's parsing record
  data
}

dwe_logical <- function(values, field, where) {
  truthy <- if (is.null(field$trueValues)) "true" else unlist(field$trueValues)
  falsy <- if (is.null(field$falseValues)) "false" else unlist(field$falseValues)
  other <- setdiff(stats::na.omit(values), c(truthy, falsy))
  if (length(other)) dwe_stop("%s: field '%s' holds '%s', not a boolean", where, field$name, other[1])
  ifelse(is.na(values), NA, values %in% truthy)
}
