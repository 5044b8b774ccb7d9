# Write a JSON summary of dwe_load(): per table its row count and, per column, class, levels and values.
# Used by tests/test_r_loader.py to compare the R loader with the Python one:
#   Rscript scripts/test_load.R SOURCE OUT.json [TABLES,COMMA,SEPARATED] [INDEX]

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: Rscript scripts/test_load.R SOURCE OUT.json [TABLES] [INDEX]", call. = FALSE)
script <- sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)[1])
source(file.path(dirname(script), "load.R"))

tables <- if (length(args) >= 3 && nzchar(args[3])) strsplit(args[3], ",", fixed = TRUE)[[1]] else NULL
index <- if (length(args) >= 4) args[4] else "releases.json"
data <- dwe_load(args[1], tables = tables, index = index)

describe <- function(x) {
  values <- if (inherits(x, "Date") || is.factor(x)) as.character(x) else x
  list(class = class(x)[1], levels = if (is.factor(x)) I(levels(x)) else NULL, values = I(values))
}
summary <- lapply(data, function(table) list(rows = nrow(table), columns = lapply(table, describe)))
jsonlite::write_json(summary, args[2], auto_unbox = TRUE, digits = NA, na = "null", null = "null")
