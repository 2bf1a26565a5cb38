"""One contract for batch job records (issue 23): the in-memory fake behaves like the Azure Table adapter."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from registry import (
    ConcurrentUpdateError,
    InMemoryJobRegistry,
    JobNotFoundError,
    JobRecord,
    JobStatus,
    TableJobRegistry,
    TableModelRegistry,
)
from storage.clients import StorageClients

NOW = datetime.now(timezone.utc)


def make_job(model_id: str = None) -> JobRecord:
    return JobRecord(id=str(uuid.uuid4()), model_id=model_id or str(uuid.uuid4()), creation_time=NOW,
                     status=JobStatus.QUEUED, status_message="queued",
                     request={"outputContainerName": "out", "recommendationCount": 10, "rules": {"itemIdPrefix": "a"}})


class JobRegistryContract:
    @pytest.fixture
    def jobs(self):
        raise NotImplementedError

    def test_a_created_job_reads_back_equal(self, jobs):
        job = jobs.create_job(make_job())
        loaded = jobs.get_job(job.id)
        assert loaded.etag
        assert loaded == job

    def test_an_unknown_job_is_not_found(self, jobs):
        with pytest.raises(JobNotFoundError):
            jobs.get_job(str(uuid.uuid4()))
        with pytest.raises(JobNotFoundError):
            jobs.update_job(make_job())

    def test_counters_and_errors_survive_an_update(self, jobs):
        job = jobs.create_job(make_job())
        errors = {"errors": [{"error": "UnknownUser", "count": 2, "sample": {"file": "u.txt", "line": 3}}]}
        updated = jobs.update_job(job.with_status(JobStatus.RUNNING, "part 2", progress=0.5, users_scored=7,
                                                  rows_written=70, parts_done=2, errors=errors))
        loaded = jobs.get_job(job.id)
        assert loaded == updated
        assert (loaded.status, loaded.progress, loaded.users_scored, loaded.rows_written, loaded.parts_done,
                loaded.errors) == (JobStatus.RUNNING, 0.5, 7, 70, 2, errors)
        assert updated.etag != job.etag

    def test_a_conditional_update_loses_to_an_earlier_writer(self, jobs):
        job = jobs.create_job(make_job())
        jobs.update_job(job.with_status(JobStatus.RUNNING, "mine"), if_unchanged=True)
        with pytest.raises(ConcurrentUpdateError):
            jobs.update_job(job.with_status(JobStatus.CANCELLED, "stale"), if_unchanged=True)
        assert jobs.get_job(job.id).status == JobStatus.RUNNING

    def test_jobs_of_a_model_are_its_own(self, jobs):
        model_id = str(uuid.uuid4())
        mine = {jobs.create_job(make_job(model_id)).id for _ in range(2)}
        jobs.create_job(make_job())
        assert {job.id for job in jobs.jobs_of_model(model_id)} == mine
        assert jobs.jobs_of_model(str(uuid.uuid4())) == []

    def test_the_newest_jobs_of_a_model_come_first_and_at_most_the_limit(self, jobs):
        model_id = str(uuid.uuid4())
        # Created out of time order, so neither insertion nor id order can pass for time order.
        created = {hours: jobs.create_job(replace(make_job(model_id), creation_time=NOW - timedelta(hours=hours)))
                   for hours in (2, 0, 3, 1)}
        jobs.create_job(replace(make_job(), creation_time=NOW + timedelta(hours=1)))  # another model's, newer
        newest = jobs.newest_jobs_of_model(model_id, 3)
        assert [job.id for job in newest] == [created[hours].id for hours in (0, 1, 2)]
        assert newest[0] == jobs.get_job(created[0].id)
        assert jobs.newest_jobs_of_model(str(uuid.uuid4()), 3) == []
        with pytest.raises(ValueError, match="at least 1"):
            jobs.newest_jobs_of_model(model_id, 0)


class TestInMemoryJobRegistry(JobRegistryContract):
    @pytest.fixture
    def jobs(self):
        return InMemoryJobRegistry()


class TestTableJobRegistry(JobRegistryContract):
    @pytest.fixture
    def jobs(self, settings):
        return TableJobRegistry(StorageClients.from_settings(settings).tables.get_table_client(settings.models_table))

    def test_job_rows_never_show_up_as_models(self, jobs, settings):
        jobs.create_job(make_job())
        models = TableModelRegistry(StorageClients.from_settings(settings).tables.get_table_client(
            settings.models_table))
        assert models.list_page(10).summaries == []
