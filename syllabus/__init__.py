"""Syllabus ingestion: PDF upload and safe, fast text extraction."""
