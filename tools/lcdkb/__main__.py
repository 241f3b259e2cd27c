import sys

from lcdkb.cli import main

sys.exit(main())
