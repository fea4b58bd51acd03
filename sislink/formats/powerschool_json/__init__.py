"""PowerSchool ``/ws/v1`` student JSON: reader and writer."""

from sislink.formats.powerschool_json import writer
from sislink.formats.powerschool_json.reader import PowerSchoolJsonReader

__all__ = ["PowerSchoolJsonReader", "writer"]
