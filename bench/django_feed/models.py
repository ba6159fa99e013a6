"""feedserver's category and release tables, read through unmanaged Django models."""
from django.db import models


class Category(models.Model):
    slug = models.CharField(max_length=64)
    name = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "category"


class Release(models.Model):
    public_id = models.CharField(max_length=16)
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING)
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=100)
    summary = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=16)
    published_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "release"
