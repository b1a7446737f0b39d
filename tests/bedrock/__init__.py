"""Tests of Bedrock's wire format through boto3 against a real server."""
