"""Typed access to one YAML mapping of a content file, recording a problem for each bad field."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import yaml
from flask_babel import gettext as _

from lms.dates import DateRange
from lms.text import clean_name

if TYPE_CHECKING:
    from lms.content.loader.reader import Reader


def item_lines(lines: dict[str, int], key: str, values: list) -> list[int]:
    found = [lines.get(f"{key}[{i}]", lines.get(key, 0)) for i in range(len(values))]
    return found


class Fields:
    """Typed access to one YAML mapping, recording a problem (with its line) for each bad field."""

    def __init__(self, reader: Reader, path: str, data: dict, node, first_line: int, line: int,
                 end_line: int | None = None):
        self.reader, self.path, self.data, self.line = reader, path, data, line
        self.end_line = end_line or line
        self.lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                self.lines[name] = first_line + key.start_mark.line
                if isinstance(value, yaml.SequenceNode):
                    for i, item in enumerate(value.value):
                        self.lines[f"{name}[{i}]"] = first_line + item.start_mark.line
        self._first_line = first_line

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def item_lines(self, key: str) -> list[int]:
        value = self.data.get(key)
        return item_lines(self.lines, key, value if isinstance(value, list) else [])

    def _missing(self, key: str) -> None:
        self.reader.error(self.path, self.line, _("thiếu trường bắt buộc '%(key)s'", key=key))

    def _bad(self, key: str, reason: str) -> None:
        self.reader.error(self.path, self.line_of(key), _("trường '%(key)s': %(reason)s", key=key, reason=reason))

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self._missing(key)
            return None
        if isinstance(value, bool | list | dict):
            self._bad(key, _("phải là một chuỗi"))
            return None
        return clean_name(str(value))

    def code(self, key: str, *, max_length: int = 50, upper: bool = False) -> str | None:
        """A code as the application stores it: one line, at most `max_length` characters."""
        value = self.text(key)
        if value is None:
            return None
        if "\n" in value or len(value) > max_length:
            self._bad(key, _("mã '%(value)s' phải nằm trên một dòng, tối đa %(max)s ký tự",
                             value=value, max=max_length))
            return None
        if upper and value != value.upper():
            self._bad(key, _("mã '%(value)s' phải viết hoa (ứng dụng lưu mã chức danh bằng chữ hoa)", value=value))
            return None
        return value

    def choice(self, key: str, allowed: list[str], *, required: bool = True) -> str | None:
        value = self.text(key, required=required)
        if value is not None and value not in allowed:
            self._bad(key, _("giá trị '%(value)s' không hợp lệ (một trong: %(allowed)s)",
                             value=value, allowed=", ".join(allowed)))
            return None
        return value

    def date(self, key: str, date_range: DateRange | None = None) -> date | None:
        value = self.data.get(key)
        if value is None:
            self._missing(key)
            return None
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                self._bad(key, _("ngày '%(value)s' phải viết dạng NNNN-TT-NN", value=value))
                return None
        if date_range is not None and not date_range.contains(value):
            self._bad(key, date_range.message(key))
            return None
        return value

    def integer(self, key: str, *, required: bool = True, minimum: int | None = None) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(key, _("'%(value)s' phải là một số nguyên", value=value))
            return None
        if minimum is not None and value < minimum:
            self._bad(key, _("phải từ %(minimum)s trở lên", minimum=minimum))
            return None
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self._bad(key, _("'%(value)s' phải là true hoặc false", value=value))
            return default
        return value

    def _list_items(self, key: str) -> list[tuple[object, int]]:
        """The items of a list field with their lines; [] (and an error) when the field is not a list."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._bad(key, _("phải là một danh sách"))
            return []
        return list(zip(value, self.item_lines(key), strict=True))

    def strings(self, key: str) -> list[str]:
        out = []
        for item, line in self._list_items(key):
            if isinstance(item, bool | list | dict) or item is None:
                self.reader.error(self.path, line, _("trường '%(key)s': mỗi mục phải là một chuỗi", key=key))
                continue
            out.append(clean_name(str(item)))
        return out

    def mappings(self, key: str) -> list[tuple[dict, int]]:
        out = []
        for item, line in self._list_items(key):
            if not isinstance(item, dict):
                self.reader.error(self.path, line, _("trường '%(key)s': mỗi mục phải là một bảng khóa: giá trị",
                                                     key=key))
                continue
            out.append((item, line))
        return out

    def no_extra(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                self.reader.error(self.path, self.line_of(str(key)), _("trường lạ '%(key)s'", key=key))
