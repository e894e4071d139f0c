"""What every model goes through on its way to serving, whatever trained it: the model directory
and its drift reference, publishing, the release signature, the release gate."""
