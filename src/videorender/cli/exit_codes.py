"""The command's exit codes: 0 done, 1 the work failed, 2 bad input or configuration (one
clear line, no traceback), 130 interrupted."""

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
