"""The ``videos`` dynamic partition set: one partition per registered video id."""

from dagster import DynamicPartitionsDefinition

videos_partitions = DynamicPartitionsDefinition(name="videos")
