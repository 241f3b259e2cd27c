import sys

from lcdkb.desk import main

sys.exit(main())
