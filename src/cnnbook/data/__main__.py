"""``python -m cnnbook.data check PATH``: check a folder of images before training on it.

Exit status 0 when every file will be read as it is, 1 when some are left out or read from a
corrected copy, 2 when the folder cannot be used (or does not exist).
"""

from __future__ import annotations

import argparse
import sys

from cnnbook.data.folder_check import LARGE_SIDE, ImageFolderError, check_image_folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnbook.data")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check", help="check a folder of class sub-folders the way Keras will read it"
    )
    check.add_argument("path", help="the folder that holds one sub-folder per class")
    check.add_argument("--classes", nargs="+", help="class folders that must be there")
    check.add_argument(
        "--large-side",
        type=int,
        default=LARGE_SIDE,
        help=f"pixels above which a photo is resized once (default {LARGE_SIDE})",
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        report = check_image_folder(args.path, classes=args.classes, large_side=args.large_side)
    except (ImageFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report)
    if not report.usable:
        return 2
    return 1 if report.excluded or report.converted else 0


if __name__ == "__main__":
    sys.exit(main())
