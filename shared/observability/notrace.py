"""A Powertools tracing provider that records nothing, for processes where X-Ray cannot record.

Powertools builds its X-Ray provider even when tracing is off, and importing the X-Ray SDK (with
botocore) costs about half a second before the server can answer /health. Outside Lambda the
Tracer is off anyway (no daemon), so the container gets this provider instead.
"""

import numbers
import traceback
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment


class _NoSegment(BaseSegment):
    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(
        self,
        exception: BaseException,
        stack: list[traceback.StackSummary],
        remote: bool = False,
    ) -> None:
        pass


_SEGMENT = _NoSegment()


class NoTracing(BaseProvider):
    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _SEGMENT

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncIterator[BaseSegment]:
        yield _SEGMENT

    def put_annotation(self, key: str, value: str | numbers.Number | bool) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass
